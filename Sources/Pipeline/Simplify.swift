import ONNXIO
import Prune
import Reports
import Runtime

/// One `simplify` job: fold BatchNorm, propagate dead neurons, drop channels; write the
/// result and compare it with the input.
public struct SimplifyJob: Sendable {
    public var model: String
    public var output: String
    /// Inputs (.npy) to compare the outputs on.
    public var data: String?
    /// Labels for top-1 before and after (needs `data`).
    public var labels: String?
    public var measureSizes = true

    public init(model: String, output: String) {
        self.model = model
        self.output = output
    }
}

/// What a simplify job did.
public struct SimplifyJobReport: Codable, Sendable {
    public var model: String
    public var output: String
    public var report: SimplifyReport
    public var comparison: ModelComparison
}

extension Pipeline {
    public static func simplify(_ job: SimplifyJob) throws -> SimplifyJobReport {
        let m = try Model.load(path: job.model)
        let (s, report) = try Simplifier.simplify(m)
        try save(s, to: job.output)
        var splits: [(String, LabelledData)] = []
        var fidelity: NDArray?
        if let data = job.data {
            if let labels = job.labels {
                let d = try LabelledData.load(data: data, labels: labels)
                splits = [("all", d)]
            }
            fidelity = try NPY.read(path: data)
        }
        let cmp = try ModelComparison(before: m, after: s, physical: true, sizes: job.measureSizes, splits: splits, fidelity: fidelity)
        return SimplifyJobReport(model: job.model, output: job.output, report: report, comparison: cmp)
    }
}
