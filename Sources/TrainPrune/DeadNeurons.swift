import ONNXIO
import Runtime

/// Removes what pruning left dead without changing the network's function, for a layer whose
/// output reaches the next weighted layer through channel-preserving ops only (Gemm → Relu →
/// Gemm; Conv → Relu → MaxPool/AveragePool → Conv; Conv → Relu → Pool → Flatten → Gemm, where
/// channel c owns the next layer's input columns [c·HW, (c+1)·HW)):
/// a neuron (output unit or channel) whose outgoing weights are all zero loses its incoming
/// weights and bias; with a Relu on the way, a neuron whose incoming weights are all zero and
/// whose bias is ≤ 0 outputs 0 everywhere (pooling of zeros is zero), so its outgoing weights go.
struct DeadNeurons {
    struct Pair {
        let producer: PrunableLayer
        let consumer: PrunableLayer
        /// Consumer input positions per producer neuron (H·W after a Flatten, else 1).
        let spread: Int
        /// A Relu lies on the path (a zero-input neuron with bias ≤ 0 then outputs 0).
        let relu: Bool
    }

    let pairs: [Pair]

    static let passThrough: Set<String> = ["Relu", "MaxPool", "AveragePool", "Flatten"]

    init(_ layers: [PrunableLayer], graph: Graph) {
        var consumers: [String: [Int]] = [:]
        for (k, n) in graph.nodes.enumerated() { for x in n.inputs where !x.isEmpty { consumers[x, default: []].append(k) } }
        let outputs = Set(graph.outputs.compactMap(\.name))
        var p: [Pair] = []
        for a in layers where !a.isLast {
            var value = a.layer.output, relu = false, flattened = false
            var found: PrunableLayer?
            while !outputs.contains(value), let c = consumers[value], c.count == 1 {
                let n = graph.nodes[c[0]]
                if let b = layers.first(where: { $0.layer.node == c[0] && n.inputs.first == value }) {
                    found = b
                    break
                }
                guard let op = n.opType, Self.passThrough.contains(op), let out = n.outputs.first, !out.isEmpty else { break }
                if op == "Relu" { relu = true }
                if op == "Flatten" {
                    guard (n.attribute("axis")?.i ?? 1) == 1 else { break }
                    flattened = true
                }
                value = out
            }
            guard let b = found else { continue }
            let inputs = b.weightShape[b.layer.inputAxis]
            guard inputs % a.neurons == 0, inputs == a.neurons || (flattened && b.layer.op != "Conv") else { continue }
            p.append(Pair(producer: a, consumer: b, spread: inputs / a.neurons, relu: relu))
        }
        pairs = p
    }

    /// Applies both rules until nothing changes; returns the number of parameters zeroed.
    func apply(_ params: inout [String: NDArray]) -> Int {
        var zeroed = 0
        for pair in pairs {
            let a = pair.producer, b = pair.consumer
            var wa = params[a.layer.weight]!.floats, wb = params[b.layer.weight]!.floats
            var bias = a.layer.bias.flatMap { params[$0]?.floats }
            let inputs = b.weightShape[b.layer.inputAxis]
            let inner = b.weightShape[(b.layer.inputAxis + 1)...].reduce(1, *)
            func source(_ i: Int) -> Int { ((i / inner) % inputs) / pair.spread }
            var incoming = [Bool](repeating: false, count: a.neurons), outgoing = incoming
            for (i, x) in wa.enumerated() where x != 0 { incoming[a.weightNeuron(i)] = true }
            for (i, x) in wb.enumerated() where x != 0 { outgoing[source(i)] = true }
            for j in 0..<a.neurons {
                if !outgoing[j] {
                    for i in wa.indices where wa[i] != 0 && a.weightNeuron(i) == j { wa[i] = 0; zeroed += 1 }
                } else if pair.relu && !incoming[j] && (bias.map { $0[j] <= 0 } ?? true) {
                    for i in wb.indices where wb[i] != 0 && source(i) == j { wb[i] = 0; zeroed += 1 }
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
