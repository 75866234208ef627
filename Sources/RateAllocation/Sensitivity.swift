import ONNXIO
import Runtime
import Train

/// Per-tensor sensitivity: the diagonal Fisher information summed over each tensor's elements.
///
/// F_j ≈ B · mean over mini-batches of (∂L/∂w_j)² with L the mean cross-entropy of a batch of
/// B samples (the batch-gradient estimate of the per-sample E[g²]). A quantization error e
/// then costs about ½ Σ_j F_j e_j² ≈ ½ · `fisher[t]` · mse_t in expected loss. Without
/// labels the original model's own top-1 predictions are the targets.
public struct Sensitivity: Sendable {
    /// Σ_j F_j per tensor name.
    public var fisher: [String: Double]
    /// Tensors without a gradient path (weights in `Constant` nodes, operators without a
    /// backward rule); they get the largest per-element Fisher of the others.
    public var estimated: Set<String>

    public init(fisher: [String: Double], estimated: Set<String> = []) {
        self.fisher = fisher
        self.estimated = estimated
    }

    /// Accumulates squared batch gradients of `tensors` over `data` in batches of `batchSize`.
    public static func fisher(model: Model, tensors: [String: Int], data: ValidationData,
                              batchSize: Int = 8) throws -> Sensitivity {
        let floats = Set(model.graph?.initializers.compactMap { $0.dataType == .float ? $0.name : nil } ?? [])
        // BatchNorm running statistics are state, not parameters: no gradient reaches them.
        let statistics = Set(model.graph?.nodes.filter { $0.opType == "BatchNormalization" }.flatMap { $0.inputs.dropFirst(3) } ?? [])
        let wanted = Set(tensors.keys).intersection(floats).subtracting(statistics)
        var sums: [String: Double] = [:]
        if let gg = try? GradientGraph(model: model, trainable: wanted), gg.inputNames.count == 1,
           let out = gg.objectiveValues.first {
            gg.parallel = true
            let n = data.count
            var batches = 0
            var start = 0
            while start < n {
                let end = min(n, start + batchSize)
                let tape = try gg.forward(inputs: [gg.inputNames[0]: data.inputs.slice(rows: start..<end)], training: false)
                guard let logits = tape.values[out], logits.rank == 2 else { break }
                let labels = data.labels.map { $0[start..<end].map { Int64($0) } } ?? argmax(logits)
                let obj = try Losses.crossEntropy(logits: logits, labels: labels[...], firstSample: start)
                let grads = try gg.backward(tape, seeds: [out: obj.gradient], wrt: gg.trainable)
                for (name, g) in grads {
                    var s = 0.0
                    for v in g.floats { s += Double(v) * Double(v) }
                    sums[name, default: 0] += s * Double(end - start)
                }
                batches += 1
                start = end
            }
            for k in sums.keys { sums[k]! /= Double(max(batches, 1)) }
        }
        let perElement = sums.compactMap { k, v in tensors[k].map { v / Double(max($0, 1)) } }.max() ?? 1
        var estimated = Set<String>()
        for (name, count) in tensors where sums[name] == nil || sums[name]! <= 0 {
            sums[name] = perElement * Double(count)
            estimated.insert(name)
        }
        return Sensitivity(fisher: sums, estimated: estimated)
    }

    static func argmax(_ logits: NDArray) -> [Int64] {
        let c = logits.shape[1], z = logits.floats
        return (0..<logits.shape[0]).map { r in
            var best = 0
            for k in 1..<c where z[r * c + k] > z[r * c + best] { best = k }
            return Int64(best)
        }
    }
}
