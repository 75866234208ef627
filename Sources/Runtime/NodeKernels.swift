import ONNXIO

/// The inference engine's forward kernels, one node at a time, for other engines built on
/// top of this one (the learning module runs its tape with them).
public enum NodeKernels {
    /// True if the engine has a kernel for `op` of the default ONNX domain.
    public static func supports(_ op: String) -> Bool { Registry.kernels[op] != nil }

    /// Runs `node` on `inputs` (nil for an omitted optional input) and returns its outputs.
    ///
    /// `name` locates errors; `opset` is the model's default-domain opset version.
    public static func run(_ node: Node, name: String, inputs: [NDArray?], opset: Int,
                           options: Session.Options = Session.Options()) throws -> [NDArray] {
        let op = node.opType ?? ""
        guard let kernel = Registry.kernels[op], (node.domain ?? "").isEmpty || node.domain == "ai.onnx" else {
            throw RuntimeError.unsupportedOperator(op: op, domain: node.domain ?? "", node: name)
        }
        _ = RuntimeThreading.cores
        return try kernel(NodeContext(node: node, name: name, op: op, inputs: inputs, opset: opset, options: options))
    }
}
