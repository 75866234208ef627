import Foundation
import ONNXIO
import Prune
import Runtime

/// `nncodec criticality`: the most critical weights of a model, the reliability experiment
/// and (optionally) the compression curve. SHC is measured on the analysis data (the
/// training split); the experiments evaluate top-1 on the evaluation data (the test split
/// when given, else the analysis data).
public enum CriticalityStudy {
    public struct Request: Sendable {
        public var model: Model
        public var data: LabelledData
        public var evaluation: LabelledData?
        public var top = 10
        public var reliability = true
        public var curve: [Double]?
        public init(model: Model, data: LabelledData) {
            self.model = model
            self.data = data
        }
    }

    public struct CriticalWeight: Sendable, Codable, Equatable {
        public var layer: String
        public var index: [Int]
        public var value: Float
        public var shc: Double
    }

    public struct Result: Sendable, Codable {
        public var samples: Int
        public var evaluationSamples: Int
        public var evaluationIsAnalysisData: Bool
        public var weights: Int
        public var gradientFloor: Double
        public var top: [CriticalWeight]
        public var reliability: ReliabilityReport?
        public var curve: [CurvePoint]?
    }

    public static func run(_ r: Request, progress: ((String) -> Void)? = nil) throws -> Result {
        guard r.top >= 0 else { throw CriticalityError(.invalidOption, "top", "must be ≥ 0, got \(r.top)") }
        progress?("SHC on \(r.data.count) samples")
        let a = try CapacityAnalysis(model: r.model, inputs: r.data.inputs, labels: r.data.labels)
        let order = ScorePruning.ascending(ScorePruning.scores(a, .capacity)).reversed().prefix(r.top)
        let top = order.map { p -> CriticalWeight in
            let l = a.layers[p.layer]
            return CriticalWeight(layer: l.name, index: unravel(p.index, l.shape), value: l.values[p.index], shc: l.shc[p.index])
        }
        let ev = r.evaluation ?? r.data
        let rel = try r.reliability ? Reliability.run(model: r.model, analysis: a, inputs: ev.inputs, labels: ev.labels, progress: progress) : nil
        let curve = try r.curve.map { s in
            try CompressionCurve.run(model: r.model, analysis: a, inputs: ev.inputs, labels: ev.labels, sparsities: s) { i, n in
                progress?("curve \(i + 1)/\(n)")
            }
        }
        return Result(samples: a.samples, evaluationSamples: ev.count, evaluationIsAnalysisData: r.evaluation == nil,
                      weights: a.weightCount, gradientFloor: a.floor, top: Array(top), reliability: rel, curve: curve)
    }

    /// The multi-index of flat `index` in `shape` (row-major).
    static func unravel(_ index: Int, _ shape: [Int]) -> [Int] {
        var out = [Int](repeating: 0, count: shape.count)
        var i = index
        for d in stride(from: shape.count - 1, through: 0, by: -1) {
            out[d] = i % max(shape[d], 1)
            i /= max(shape[d], 1)
        }
        return out
    }
}

/// `nncodec prune --criterion capacity`: static unstructured pruning of the lowest-SHC weights.
public enum CapacityPruning {
    public struct Report: Sendable, Codable, Equatable {
        public var sparsity: Double
        public var perLayer: Bool
        public var pruned: Int
        public var weights: Int
        public var samples: Int
        public var gradientFloor: Double
    }

    public static func prune(_ model: Model, data: LabelledData, sparsity: Double, perLayer: Bool) throws -> (Model, Report) {
        guard sparsity >= 0 && sparsity < 1 else {
            throw CriticalityError(.invalidOption, "sparsity", "must be in [0, 1), got \(sparsity)")
        }
        let a = try CapacityAnalysis(model: model, inputs: data.inputs, labels: data.labels)
        let (m, n) = try ScorePruning.prune(model, analysis: a, ranking: .capacity, sparsity: sparsity, perLayer: perLayer)
        return (m, Report(sparsity: sparsity, perLayer: perLayer, pruned: n, weights: a.weightCount,
                          samples: a.samples, gradientFloor: a.floor))
    }
}
