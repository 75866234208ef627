import ONNXIO
import Runtime

/// Removes what pruning left dead without changing the network's function, for a layer whose
/// ReLU output feeds the next weighted layer directly (Gemm → Relu → Gemm): a neuron whose
/// outgoing weights are all zero loses its incoming weights and bias; a neuron whose incoming
/// weights are all zero and whose bias is ≤ 0 outputs ReLU(b) = 0, so its outgoing weights go.
struct DeadNeurons {
    /// (producer, consumer) pairs of the prunable layers.
    let pairs: [(PrunableLayer, PrunableLayer)]

    init(_ layers: [PrunableLayer], graph: Graph) {
        var reluOf: [String: String] = [:]
        for n in graph.nodes where n.opType == "Relu" { if let i = n.inputs.first, let o = n.outputs.first { reluOf[i] = o } }
        var p: [(PrunableLayer, PrunableLayer)] = []
        for a in layers where !a.isLast && a.relu && a.layer.op != "Conv" {
            guard let act = reluOf[a.layer.output],
                  let b = layers.first(where: { graph.nodes[$0.layer.node].inputs.first == act && $0.layer.op != "Conv" }),
                  b.weightShape[b.layer.inputAxis] == a.neurons else { continue }
            p.append((a, b))
        }
        pairs = p
    }

    /// Applies both rules until nothing changes; returns the number of parameters zeroed.
    func apply(_ params: inout [String: NDArray]) -> Int {
        var zeroed = 0
        for (a, b) in pairs {
            var wa = params[a.layer.weight]!.floats, wb = params[b.layer.weight]!.floats
            var bias = a.layer.bias.flatMap { params[$0]?.floats }
            var incoming = [Bool](repeating: false, count: a.neurons), outgoing = incoming
            for (i, x) in wa.enumerated() where x != 0 { incoming[a.weightNeuron(i)] = true }
            let inner = b.weightShape[(b.layer.inputAxis + 1)...].reduce(1, *)
            for (i, x) in wb.enumerated() where x != 0 { outgoing[(i / inner) % a.neurons] = true }
            for j in 0..<a.neurons {
                if !outgoing[j] {
                    for i in wa.indices where wa[i] != 0 && a.weightNeuron(i) == j { wa[i] = 0; zeroed += 1 }
                } else if !incoming[j] && (bias.map { $0[j] <= 0 } ?? true) {
                    for i in wb.indices where wb[i] != 0 && (i / inner) % a.neurons == j { wb[i] = 0; zeroed += 1 }
                } else { continue }
                if let b = bias, b[j] != 0 { bias![j] = 0; zeroed += 1 }
            }
            params[a.layer.weight] = NDArray(shape: a.weightShape, floats: wa)
            params[b.layer.weight] = NDArray(shape: b.weightShape, floats: wb)
            if let name = a.layer.bias, let bias { params[name] = NDArray(shape: params[name]!.shape, floats: bias) }
        }
        return zeroed
    }
}
