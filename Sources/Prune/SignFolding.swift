import ONNXIO
import Runtime

extension Simplifier {
    /// `Sign(initializer)` → an initializer of its values (−1, 0, +1): a binary network's
    /// latent real weights become the ±1 weights it actually uses. Only float32 initializers
    /// that are not graph inputs, and Sign nodes whose output is not a graph output, are
    /// folded; the latent initializer is dropped later when nothing else reads it.
    static func foldSignsOfConstants(_ g: Graph) throws -> Graph {
        var g = g
        let inputs = Set(g.inputs.compactMap(\.name)), outputs = Set(g.outputs.compactMap(\.name))
        var byName: [String: Tensor] = [:]
        for t in g.initializers { if let n = t.name { byName[n] = t } }
        var keep: [Node] = []
        for n in g.nodes {
            guard n.op == "Sign", (n.domain ?? "").isEmpty, n.inputs.count == 1, n.outputs.count == 1,
                  !outputs.contains(n.outputs[0]), !inputs.contains(n.inputs[0]),
                  let t = byName[n.inputs[0]], t.dataType.rawValue == 1 else {
                keep.append(n)
                continue
            }
            let v = try NDArray(tensor: t)
            let s = v.floats.map { Float($0 > 0 ? 1 : ($0 < 0 ? -1 : 0)) }
            g.initializers.append(NDArray(shape: v.shape, floats: s).tensor(name: n.outputs[0]))
        }
        g.nodes = keep
        return g
    }
}
