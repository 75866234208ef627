import ONNXIO
import Runtime
import Train

/// BatchNorm running statistics recomputed from data: after a channel shrink and retraining
/// the running mean and variance are an exponential average over the last few batches of
/// weights that were still moving; inference should normalise with the statistics of the
/// network as it now is.
///
/// Every BatchNormalization's running mean becomes the sample-weighted average of the batch
/// means over `data`, and its running variance the sample-weighted average of the unbiased
/// batch variances (PyTorch's cumulative average, `momentum=None`), with the network's
/// parameters fixed. Batches are taken in order; a last batch of one sample is merged into
/// the batch before it (a batch variance needs two samples).
public enum BatchNormStatistics {
    /// Recomputes the running statistics in `graph.parameters` over `data`.
    public static func recompute(_ graph: GradientGraph, data: Dataset, batchSize: Int) throws {
        guard let input = graph.inputNames.first, data.count >= 2 else { return }
        var states: [(mean: String, variance: String, momentum: Float)] = []
        for n in graph.model.graph?.nodes ?? [] where n.opType == "BatchNormalization" && n.inputs.count >= 5 {
            guard graph.parameters[n.inputs[3]] != nil, graph.parameters[n.inputs[4]] != nil else { continue }
            states.append((n.inputs[3], n.inputs[4], n.attribute("momentum")?.f ?? 0.9))
        }
        guard !states.isEmpty else { return }
        let original = graph.parameters
        var sums: [String: [Double]] = [:]
        var bounds = Array(stride(from: 0, to: data.count, by: max(batchSize, 2))) + [data.count]
        if bounds.count > 2, bounds[bounds.count - 1] - bounds[bounds.count - 2] < 2 { bounds.remove(at: bounds.count - 2) }
        for k in 0..<(bounds.count - 1) {
            let rows = Array(bounds[k]..<bounds[k + 1])
            // With the running statistics at zero, a training-mode pass reports
            // (1 − momentum) × the batch statistics; the normalisation itself uses the batch's.
            for s in states {
                for name in [s.mean, s.variance] { graph.parameters[name] = zeros(like: graph.parameters[name]!) }
            }
            let tape = try graph.forward(inputs: [input: data.rows(rows).inputs], training: true, record: false)
            for s in states {
                for name in [s.mean, s.variance] {
                    guard let v = tape.stateUpdates[name] else { continue }
                    let w = Double(rows.count) / Double(1 - s.momentum)
                    var acc = sums[name] ?? [Double](repeating: 0, count: v.count)
                    for (i, x) in v.floats.enumerated() { acc[i] += w * Double(x) }
                    sums[name] = acc
                }
            }
        }
        for s in states {
            for name in [s.mean, s.variance] {
                // A BatchNorm the objective does not need keeps its statistics.
                guard let acc = sums[name] else { graph.parameters[name] = original[name]; continue }
                graph.parameters[name] = NDArray(shape: original[name]!.shape, floats: acc.map { Float($0 / Double(data.count)) })
            }
        }
    }

    static func zeros(like a: NDArray) -> NDArray {
        NDArray(shape: a.shape, floats: [Float](repeating: 0, count: a.count))
    }
}
