import Foundation
import ONNXIO
import Prune
import Runtime
import Train

/// The Shannon–Hartley criticality (SHC) of every weight of a model's Conv/Gemm/MatMul layers
/// (patent US 2025/0265452):
///
///     C(w) = |w| · Σ over the synapses s using w of log2(1 + |i_s| / max(|∂L/∂w|, ε))
///
/// - i_s: the input flowing through synapse s averaged over the data (its absolute value is
///   used, so a negative mean input counts like a positive one);
/// - ∂L/∂w: the gradient of the mean cross-entropy over all samples (accumulated batch by
///   batch, inference-mode forward);
/// - ε: `floorFactor` × the mean |∂L/∂w| over all scored weights (a zero gradient gives a
///   large but finite capacity; a zero mean input gives C = 0).
/// A Gemm weight has one synapse; a Conv weight one per output position.
public struct CapacityAnalysis: Sendable {
    /// The scores of one layer's weight, in the weight's element order.
    public struct Layer: Sendable {
        public var name: String
        public var op: String
        public var weight: String
        public var shape: [Int]
        public var values: [Float]
        public var gradient: [Double]
        public var meanInput: [Double]
        public var shc: [Double]
    }

    public var layers: [Layer]
    public var samples: Int
    public var meanLoss: Double
    public var floor: Double

    public var weightCount: Int { layers.reduce(0) { $0 + $1.values.count } }

    /// Computes the SHC of `model`'s weights on `inputs` (batch axis first) with `labels`.
    public init(model: Model, inputs: NDArray, labels: [Int], batchSize: Int = 128,
                floorFactor: Double = 1e-6) throws {
        guard let graph = model.graph else { throw CriticalityError(.noLayers, "model", "the model has no graph") }
        let found = WeightedLayer.find(in: graph)
        guard !found.isEmpty else {
            throw CriticalityError(.noLayers, "model", "no Conv, Gemm or MatMul layer with an initializer weight")
        }
        let n = inputs.shape.first ?? 0
        guard n > 0, labels.count == n else {
            throw CriticalityError(.invalidData, "labels", "\(labels.count) labels for \(n) samples; give one label per sample")
        }
        let gg = try GradientGraph(model: model, trainable: Set(found.map(\.weight)))
        guard gg.inputNames.count == 1 else {
            throw CriticalityError(.invalidData, "model", "the graph takes \(gg.inputNames.count) inputs; the analysis feeds one")
        }
        let inputNames = found.map { graph.nodes[$0.node].inputs[0] }
        var gradSum = [String: [Double]](), inSum = [String: [Double]](), inShape = [String: [Int]]()
        var loss = 0.0
        var start = 0
        while start < n {
            let end = min(n, start + batchSize)
            let tape = try gg.forward(inputs: [gg.inputNames[0]: inputs.slice(rows: start..<end)], training: false,
                                      keep: inputNames)
            guard let out = gg.objectiveValues.first, let logits = tape.values[out] else { break }
            let obj = try Losses.crossEntropy(logits: logits, labels: labels[start..<end].map { Int64($0) }[...], firstSample: start)
            let w = Double(end - start) / Double(n)
            loss += obj.value * w
            let grads = try gg.backward(tape, seeds: [out: obj.gradient], wrt: found.map(\.weight))
            for l in found {
                let g = grads[l.weight]?.floats ?? []
                var acc = gradSum[l.weight] ?? [Double](repeating: 0, count: g.count)
                for j in 0..<g.count { acc[j] += Double(g[j]) * w }
                gradSum[l.weight] = acc
            }
            for name in Set(inputNames) {
                guard let x = tape.values[name] else { continue }
                inShape[name] = x.shape
                let v = x.floats, inner = v.count / max(end - start, 1)
                var acc = inSum[name] ?? [Double](repeating: 0, count: inner)
                for r in 0..<(end - start) { for j in 0..<inner { acc[j] += Double(v[r * inner + j]) } }
                inSum[name] = acc
            }
            start = end
        }
        let all = gradSum.values.flatMap { $0 }
        let eps = max(floorFactor * all.reduce(0) { $0 + abs($1) } / Double(max(all.count, 1)), 1e-30)
        layers = try found.map { l in
            let wv = gg.parameters[l.weight]!
            let x = inputNames[found.firstIndex(of: l)!]
            let geo = try SynapseGeometry(layer: l, node: graph.nodes[l.node], weightShape: wv.shape, inputShape: inShape[x] ?? [])
            let g = (gradSum[l.weight] ?? []).map { max(abs($0), eps) }
            let m = (inSum[x] ?? []).map { $0 / Double(n) }
            let logs = geo.logCapacity(meanInput: m, gradient: g)
            let vals = wv.floats
            return Layer(name: l.name, op: l.op, weight: l.weight, shape: wv.shape, values: vals,
                         gradient: gradSum[l.weight] ?? [], meanInput: m,
                         shc: zip(vals, logs).map { Double(abs($0)) * $1 })
        }
        samples = n
        meanLoss = loss
        floor = eps
    }
}
