import Criticality
import ONNXIO
import Prune

/// One `criticality` job: SHC of every weight on labelled data, the reliability experiment,
/// and optionally the top-1 vs sparsity curve written as CSV and/or SVG.
public struct CriticalityJob: Sendable {
    public var model: String
    /// The analysis data: inputs (.npy) and labels (.npy, see `Labels`).
    public var data: String
    public var labels: String
    /// Data to evaluate top-1 on in the experiments (nil: the analysis data).
    public var testData: String?
    public var testLabels: String?
    public var top = 10
    public var reliability = true
    /// Sparsities of the curve (nil: no curve).
    public var curve: [Double]?
    public var curveCSV: String?
    public var curveSVG: String?

    public init(model: String, data: String, labels: String) {
        self.model = model
        self.data = data
        self.labels = labels
    }
}

extension Pipeline {
    /// Runs the study (progress names each step) and writes the curve files atomically.
    public static func criticality(_ job: CriticalityJob, progress: JobProgress? = nil) throws -> CriticalityStudy.Result {
        var req = CriticalityStudy.Request(model: try Model.load(path: job.model), data: try LabelledData.load(data: job.data, labels: job.labels))
        if let t = job.testData {
            guard let l = job.testLabels else { throw PipelineError(.missingData("test labels"), file: t, "test data needs its labels") }
            req.evaluation = try LabelledData.load(data: t, labels: l)
        }
        req.top = job.top
        req.reliability = job.reliability
        req.curve = job.curve
        let r = try CriticalityStudy.run(req) { progress?(0, 0, $0) }
        if let c = r.curve, let p = job.curveCSV { try FileIO.writeAtomically(p, bytes: Array(CompressionCurve.csv(c).utf8)) }
        if let c = r.curve, let p = job.curveSVG {
            try FileIO.writeAtomically(p, bytes: Array(CompressionCurve.svg(c, title: "\(FileIO.fileName(of: job.model)): top-1 vs sparsity").utf8))
        }
        return r
    }
}
