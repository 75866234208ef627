import ONNXIO
import Prune
import Runtime

/// The weighted layers (Gemm, MatMul, Conv) training-time pruning works on, with the map from
/// a parameter element to its neuron and whether the layer produces the network's outputs.
struct PrunableLayer {
    let layer: WeightedLayer
    /// The layer's outputs reach a graph output without another weighted layer: never pruned
    /// as neurons (its weights are still thresholded).
    let isLast: Bool
    /// The only consumer of the pre-activation is a Relu (the local sensitivity needs it).
    let relu: Bool
    let weightShape: [Int]
    var neurons: Int { weightShape[layer.outputAxis] }
    /// Axis of the neurons in the pre-activation value (1 for Gemm/Conv, last for MatMul).
    var valueAxis: Int? { layer.op == "MatMul" ? nil : 1 }
    var parameterNames: [String] { [layer.weight] + (layer.bias.map { [$0] } ?? []) }

    /// The neuron of each weight element.
    func weightNeuron(_ index: Int) -> Int {
        let inner = weightShape[(layer.outputAxis + 1)...].reduce(1, *)
        return (index / inner) % neurons
    }

    /// Finds the prunable layers of `model`; throws when there are none with hidden neurons.
    static func find(_ model: Model, parameters: [String: NDArray]) throws -> [PrunableLayer] {
        guard let g = model.graph else { throw TrainPruneError(.nothingToPrune, "model", "the model has no graph") }
        let weighted = WeightedLayer.find(in: g).filter { parameters[$0.weight] != nil }
        var consumers: [String: [Int]] = [:]
        for (i, n) in g.nodes.enumerated() { for x in n.inputs where !x.isEmpty { consumers[x, default: []].append(i) } }
        let weightedNodes = Set(weighted.map(\.node))
        let outputs = Set(g.outputs.compactMap(\.name))
        func reachesOutput(_ start: String) -> Bool {
            var stack = [start], seen = Set<String>()
            while let v = stack.popLast() {
                if outputs.contains(v) { return true }
                guard seen.insert(v).inserted else { continue }
                for i in consumers[v] ?? [] where !weightedNodes.contains(i) {
                    stack.append(contentsOf: g.nodes[i].outputs.filter { !$0.isEmpty })
                }
            }
            return false
        }
        let layers = weighted.map { l -> PrunableLayer in
            let c = (consumers[l.output] ?? []).map { g.nodes[$0] }
            return PrunableLayer(layer: l, isLast: reachesOutput(l.output), relu: c.count == 1 && c[0].opType == "Relu",
                                 weightShape: parameters[l.weight]!.shape)
        }
        guard layers.contains(where: { !$0.isLast }) else {
            throw TrainPruneError(.nothingToPrune, "model", "no Conv, Gemm or MatMul layer with hidden neurons (weights as initializers) to prune")
        }
        return layers
    }
}

/// Counts over the prunable layers' parameters.
struct SparsityCount {
    var total = 0
    var nonzero = 0
    /// Live neurons (a non-zero weight or bias) per layer, in layer order.
    var neurons: [Int] = []

    init(_ layers: [PrunableLayer], _ params: [String: NDArray]) {
        for l in layers {
            let w = params[l.layer.weight]!.floats
            var live = [Bool](repeating: false, count: l.neurons)
            for (i, x) in w.enumerated() where x != 0 { live[l.weightNeuron(i)] = true }
            total += w.count
            nonzero += w.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
            if let b = l.layer.bias.flatMap({ params[$0]?.floats }) {
                total += b.count
                for (i, x) in b.enumerated() where x != 0 { nonzero += 1; if i < live.count { live[i] = true } }
            }
            neurons.append(live.filter { $0 }.count)
        }
    }

    var sparsity: Double { total == 0 ? 0 : 1 - Double(nonzero) / Double(total) }
    /// Compression ratio: prunable parameters over the non-zero ones.
    var ratio: Double { Double(total) / Double(max(nonzero, 1)) }
}
