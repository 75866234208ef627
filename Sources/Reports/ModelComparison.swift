import ONNXIO
import Prune
import Runtime

/// A before/after report of pruning or simplification, laid out like the seed papers'
/// tables: per-layer remaining parameters and neurons, the neurons as `[159]-[75]-[10]`,
/// the compression ratio, file sizes and accuracy.
public struct ModelComparison: Codable, Sendable {
    public struct Layer: Codable, Sendable {
        public var name: String
        public var op: String
        public var shapeBefore: [Int]
        public var shapeAfter: [Int]
        public var parameters: Int
        /// Non-zero parameters left.
        public var remaining: Int
        public var remainingPercent: Double
        public var neuronsBefore: Int
        public var neuronsAfter: Int
    }

    public struct Accuracy: Codable, Sendable {
        public var split: String
        public var samples: Int
        public var top1Before: Double
        public var top1After: Double
        public var lossBefore: Double
        public var lossAfter: Double
    }

    public var layers: [Layer] = []
    public var neuronsBefore = ""
    public var neuronsAfter = ""
    /// Floating-point parameters of the original model, and non-zero ones left.
    public var parametersBefore = 0
    public var parametersAfter = 0
    public var compressionRatio = 0.0
    public var onnxBytesBefore = 0
    public var onnxBytesAfter = 0
    public var sevenZipBytesBefore: Int?
    public var sevenZipBytesAfter: Int?
    public var accuracy: [Accuracy] = []
    /// Largest |output difference| on the data (simplify only).
    public var maxAbsDifference: Double?

    /// - Parameters:
    ///   - physical: count neurons that exist (simplify) rather than those with a non-zero
    ///     parameter (prune).
    ///   - splits: the labelled data sets to report accuracy on, with their names.
    ///   - fidelity: inputs to compare the two models' outputs on (no labels needed).
    public init(before: Model, after: Model, physical: Bool, sizes: Bool, splits: [(String, LabelledData)],
                fidelity: NDArray? = nil) throws {
        layers = try Census.layers(before: before, after: after, physical: physical)
        neuronsBefore = Census.neurons(layers.map(\.neuronsBefore))
        neuronsAfter = Census.neurons(layers.map(\.neuronsAfter))
        parametersBefore = try ParameterCount(before).total
        parametersAfter = try ParameterCount(after).nonzero
        compressionRatio = Census.ratio(parametersBefore, parametersAfter)
        (onnxBytesBefore, sevenZipBytesBefore) = try Census.sizes(before, sevenZip: sizes)
        (onnxBytesAfter, sevenZipBytesAfter) = try Census.sizes(after, sevenZip: sizes)
        for (name, d) in splits {
            let r0 = try d.evaluate(before), r1 = try d.evaluate(after)
            accuracy.append(Accuracy(split: name, samples: d.count, top1Before: r0.top1, top1After: r1.top1,
                                     lossBefore: r0.meanCrossEntropy, lossAfter: r1.meanCrossEntropy))
        }
        if let fidelity {
            let s0 = try Session(model: before), s1 = try Session(model: after)
            maxAbsDifference = try s1.fidelity(against: s0, data: [s0.inputNames[0]: fidelity]).maxAbsDiff
        }
    }
}
