import ONNXIO

/// A pre-activation in front of a convolution — `[Concat(axis 1) →] BatchNormalization →
/// Relu → Conv` (DenseNet's layers and transitions) — that the fused convolution applies
/// while it packs its input (`ConvPrologue`; a 1×1 convolution on CPUKernels: no Concat copy,
/// no separate BatchNormalization pass; otherwise one pass instead of two). Every intermediate must have the next node as its only consumer and not be a graph
/// output.
struct PrologueMatch {
    /// Concat (if any), BatchNormalization, Relu: the nodes the fused step replaces.
    var nodes: [Int]
    /// The convolution's logical input: the Concat's inputs, or the BatchNormalization's input.
    var parts: [String]
    /// BatchNormalization's scale, B, mean and var.
    var batchNorm: [String]
    var epsilon: Float
}

extension ChainMatcher {
    /// The prologue of each Conv (by node index) that has one.
    func prologues(skipping folded: Set<Int>) -> [Int: PrologueMatch] {
        var producer: [String: Int] = [:]
        for (i, n) in nodes.enumerated() where !folded.contains(i) {
            for o in n.outputs where !o.isEmpty { producer[o] = i }
        }
        var found: [Int: PrologueMatch] = [:]
        for (i, n) in nodes.enumerated() where !folded.contains(i) && n.opType == "Conv" && Self.isDefault(n) {
            guard let x = n.inputs.first, !x.isEmpty,
                  let r = producer[x], soleConsumer(x, after: r) == i, nodes[r].opType == "Relu", Self.isDefault(nodes[r]),
                  let bnOut = nodes[r].inputs.first, let b = producer[bnOut], soleConsumer(bnOut, after: b) == r
            else { continue }
            let bn = nodes[b]
            guard bn.opType == "BatchNormalization", Self.isDefault(bn), bn.inputs.count == 5, !bn.inputs.contains(""),
                  bn.outputs.filter({ !$0.isEmpty }).count == 1, bn.outputs[0] == bnOut,
                  (bn.attribute("training_mode")?.i ?? 0) == 0 else { continue }
            var match = PrologueMatch(nodes: [b, r], parts: [bn.inputs[0]], batchNorm: Array(bn.inputs[1...4]),
                                      epsilon: bn.attribute("epsilon")?.f ?? 1e-5)
            if let c = producer[bn.inputs[0]], soleConsumer(bn.inputs[0], after: c) == b {
                let cat = nodes[c]
                if cat.opType == "Concat", Self.isDefault(cat), (cat.attribute("axis")?.i ?? 0) == 1,
                   cat.outputs.count == 1, !cat.inputs.isEmpty, !cat.inputs.contains("") {
                    match.nodes.insert(c, at: 0)
                    match.parts = cat.inputs
                }
            }
            found[i] = match
        }
        return found
    }

}
