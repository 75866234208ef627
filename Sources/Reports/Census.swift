import Archives
import ONNXIO
import Prune

/// The one implementation of what every before/after table counts: per-layer remaining
/// parameters and neurons, the `[159]-[75]-[10]` neuron string, ratios and sizes.
/// `ComparisonReport` (rows of variants) and `ModelComparison` (one before/after) share it.
public enum Census {
    /// `before`'s weighted layers with what is left of each in `after` (a layer missing
    /// from `after` counts as empty). `physical` counts neurons that exist (simplify)
    /// instead of those with a non-zero parameter (prune).
    public static func layers(before: Model, after: Model, physical: Bool) throws -> [ModelComparison.Layer] {
        let b = try WeightedLayer.stats(before), a = try WeightedLayer.stats(after)
        let byName = Dictionary(a.map { ($0.name, $0) }, uniquingKeysWith: { x, _ in x })
        return b.map { l in
            let r = byName[l.name]
            let remaining = r?.nonzero ?? 0
            return ModelComparison.Layer(name: l.name, op: l.op, shapeBefore: l.weightShape, shapeAfter: r?.weightShape ?? [],
                                         parameters: l.parameters, remaining: remaining,
                                         remainingPercent: 100 * Double(remaining) / Double(max(l.parameters, 1)),
                                         neuronsBefore: l.neurons,
                                         neuronsAfter: r.map { physical ? $0.neurons : $0.liveNeurons } ?? 0)
        }
    }

    /// Neurons per layer as the seed papers write them: `[159]-[75]-[10]`.
    public static func neurons(_ counts: [Int]) -> String {
        counts.map { "[\($0)]" }.joined(separator: "-")
    }

    /// `a / b`, with `b` at least 1 (a ratio of counts or sizes).
    public static func ratio(_ a: Int, _ b: Int) -> Double {
        Double(a) / Double(max(b, 1))
    }

    /// The size of `model` as one self-contained .onnx, and of a .7z of it when asked.
    public static func sizes(_ model: Model, sevenZip: Bool) throws -> (onnx: Int, sevenZip: Int?) {
        let bytes = model.inlined().serialized()
        return (bytes.count, sevenZip ? try SizeReport.measure(bytes, name: "model.onnx").sevenZipBytes : nil)
    }
}
