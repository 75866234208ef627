import Foundation
import ONNXIO
import Runtime
import Train

/// Top-1 of a model whose layer weights are swapped in place (no model rebuild per
/// evaluation): the reliability and compression experiments evaluate hundreds of variants.
final class Evaluator {
    let graph: GradientGraph
    let inputs: NDArray
    let labels: [Int]
    let original: [String: NDArray]

    init(model: Model, analysis: CapacityAnalysis, inputs: NDArray, labels: [Int]) throws {
        guard labels.count == inputs.shape.first ?? 0, !labels.isEmpty else {
            throw CriticalityError(.invalidData, "evaluation labels", "\(labels.count) labels for \(inputs.shape.first ?? 0) samples")
        }
        graph = try GradientGraph(model: model, trainable: Set(analysis.layers.map(\.weight)))
        self.inputs = inputs
        self.labels = labels
        original = graph.parameters
    }

    /// Top-1 with `weights` (by name) in place of the originals.
    func top1(_ weights: [String: [Float]]) throws -> Double {
        graph.parameters = original
        for (k, v) in weights { graph.parameters[k] = NDArray(shape: original[k]!.shape, floats: v) }
        var correct = 0, start = 0
        let n = labels.count
        while start < n {
            let end = min(n, start + 256)
            let tape = try graph.forward(inputs: [graph.inputNames[0]: inputs.slice(rows: start..<end)], training: false, record: false)
            let y = tape.values[graph.objectiveValues[0]]!
            let v = y.floats, c = v.count / (end - start)
            for r in 0..<(end - start) {
                let row = v[(r * c)..<((r + 1) * c)]
                if let best = row.indices.max(by: { row[$0] < row[$1] }), best - r * c == labels[start + r] { correct += 1 }
            }
            start = end
        }
        return Double(correct) / Double(n)
    }
}
