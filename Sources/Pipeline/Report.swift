import ONNXIO
import Prune
import Reports
import Runtime

/// One `report` job: the baseline and pruned variants of a model, each as .onnx and encoded.
public struct ReportJob: Sendable {
    public var model: String
    /// Inputs (.npy) and labels (.npy, see `Labels`).
    public var data: String
    public var labels: String
    /// Calibration inputs (.npy) for the structured row's least-squares compensation.
    public var calibration: String?
    public var settings = ComparisonReport.Settings()

    public init(model: String, data: String, labels: String) {
        self.model = model
        self.data = data
        self.labels = labels
    }
}

extension Pipeline {
    /// Builds the comparison report (see `ComparisonReport.run`).
    public static func report(_ job: ReportJob, progress: JobProgress? = nil) throws -> ComparisonReport {
        let m = try Model.load(path: job.model)
        let d = try LabelledData.load(data: job.data, labels: job.labels)
        var settings = job.settings
        if let c = job.calibration {
            guard let a = try ModelRun.read(c).values.first else { throw PipelineError(.noArrays, file: c, "holds no arrays") }
            settings.calibration = a
        }
        return try ComparisonReport.run(model: m, name: FileIO.fileName(of: job.model), data: d, settings: settings) {
            progress?($0, $1, $2)
        }
    }
}
