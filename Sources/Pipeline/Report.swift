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

/// One `report --methods` job: the baseline beside models pruned by training-time methods,
/// in the seed's Table 5.1 and Table 7.1 forms, with the Fig. 7.3 curves.
public struct MethodsReportJob: Sendable {
    /// One method: its label, pruned model and (optional) training log (`prune --method … --json`).
    public struct Method: Sendable {
        public var label: String
        public var model: String
        public var log: String?
        public init(label: String, model: String, log: String? = nil) {
            self.label = label
            self.model = model
            self.log = log
        }
    }

    public var baseline: String
    public var data: String
    public var labels: String
    public var methods: [Method]
    public var settings = MethodsReport.Settings()

    public init(baseline: String, data: String, labels: String, methods: [Method]) {
        self.baseline = baseline
        self.data = data
        self.labels = labels
        self.methods = methods
    }
}

extension Pipeline {
    /// Loads the baseline, each method's model and log and the labelled data, and builds the report.
    public static func methodsReport(_ job: MethodsReportJob, progress: JobProgress? = nil) throws -> MethodsReport {
        let entries = try job.methods.map { try MethodEntry.load(label: $0.label, model: $0.model, log: $0.log) }
        let d = try LabelledData.load(data: job.data, labels: job.labels)
        return try MethodsReport.run(baseline: try Model.load(path: job.baseline), name: FileIO.fileName(of: job.baseline),
                                     methods: entries, data: d, settings: job.settings) { progress?($0, $1, $2) }
    }
}
