import ONNXIO
import Tensors

/// A layer of a binary network: a Conv, Gemm or MatMul that computes with
/// `Sign(latent initializer)` (possibly through a `Transpose`, as PyTorch exports
/// `F.linear(x, sign(W))`), the way a PyTorch BNN keeps real latent weights.
public struct BinaryLayer: Sendable, Equatable, Codable {
    /// The node's name (or its output's).
    public var name: String
    /// Index of the layer's node in the graph.
    public var node: Int
    public var op: String
    /// The latent real-valued weight initializer (the one training updates).
    public var latent: String
    /// The axis of `latent` that indexes the layer's output channels.
    public var outputAxis: Int
    /// The layer's output value.
    public var output: String
    /// Output channels.
    public var channels: Int
    /// Binary multiply-accumulates per sample: every output element × the weights it reads.
    public var binaryOps: Int

    /// Every binary layer of `model`, in graph order; shapes come from static inference.
    public static func find(in model: Model) throws -> [BinaryLayer] {
        guard let g = model.graph else { throw FlipError(.notBinary, "model", "the model has no graph") }
        let inits = Set(g.initializers.compactMap(\.name))
        var producer: [String: Node] = [:]
        for n in g.nodes { for o in n.outputs where !o.isEmpty { producer[o] = n } }
        var found: [(Int, Node, String, Bool)] = []
        for (i, n) in g.nodes.enumerated() where ["Conv", "Gemm", "MatMul"].contains(n.opType ?? "") && n.inputs.count >= 2 {
            var w = n.inputs[1], transposed = false
            if let t = producer[w], t.opType == "Transpose", t.inputs.count == 1 {
                let perm = t.attribute("perm")?.ints ?? [1, 0]
                guard perm == [1, 0] else { continue }
                w = t.inputs[0]; transposed = true
            }
            guard let s = producer[w], s.opType == "Sign", s.inputs.count == 1, inits.contains(s.inputs[0]) else { continue }
            found.append((i, n, s.inputs[0], transposed))
        }
        guard !found.isEmpty else { return [] }
        let shapes: [String: [Int]]
        do { shapes = try ShapeInference.shapes(of: model) } catch {
            throw FlipError(.unsupported, "model", "cannot infer shapes: \(error)")
        }
        return try found.map { i, n, latent, transposed in
            let name = n.name ?? n.outputs[0]
            guard let ws = shapes[latent], let ys = shapes[n.outputs[0]], ys.count >= 2 else {
                throw FlipError(.unsupported, name, "no static shape for its weight or output")
            }
            let axis: Int
            switch n.opType ?? "" {
            case "Conv": axis = 0
            case "Gemm": axis = ((n.attribute("transB")?.i ?? 0) != 0) != transposed ? 0 : 1
            default: axis = transposed ? 0 : 1
            }
            let weights = ws.reduce(1, *)
            let ops = ys.reduce(1, *) * (weights / max(ws[axis], 1)) / max(ys[0], 1)
            return BinaryLayer(name: name, node: i, op: n.opType ?? "", latent: latent, outputAxis: axis,
                               output: n.outputs[0], channels: ws[axis], binaryOps: ops)
        }
    }
}
