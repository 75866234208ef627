import Criticality
import Foundation
import ONNXIO
import Prune
import Reports
import Runtime
import Train

/// One `prune` job: a magnitude/norm criterion (`Pruner`) or the capacity (SHC) criterion,
/// optional fine-tuning that keeps the mask, the pruned model written, and a before/after
/// comparison.
public struct PruneJob: Sendable {
    public enum Method: Sendable {
        /// `Pruner`'s criteria; the search validates on the data's first half.
        case magnitude(PruneOptions)
        /// Weights by Shannon–Hartley criticality measured on all of the data.
        case capacity(sparsity: Double, perLayer: Bool)
    }

    public var model: String
    public var output: String
    public var method: Method
    /// Labelled data (see `LabelledData`); required by capacity, --twt-like searches and fine-tuning.
    public var data: LabelledData?
    /// Inputs the least-squares compensation fits on.
    public var calibration: NDArray?
    /// Fine-tune this many epochs after pruning (pruned weights stay zero).
    public var finetuneEpochs = 0
    /// Measure .7z sizes before and after.
    public var measureSizes = true

    public init(model: String, output: String, method: Method) {
        self.model = model
        self.output = output
        self.method = method
    }
}

/// What a magnitude/norm prune job did.
public struct PruneJobReport: Codable, Sendable {
    public var model: String
    public var output: String
    public var report: PruneReport
    public var finetune: TrainingReport?
    public var comparison: ModelComparison
}

/// What a capacity prune job did.
public struct CapacityPruneJobReport: Codable, Sendable {
    public var model: String
    public var output: String
    public var report: CapacityPruning.Report
    public var finetune: TrainingReport?
    public var comparison: ModelComparison
}

extension Pipeline {
    /// Prunes with `Pruner` (job.method must be `.magnitude`); accuracy is compared on
    /// both halves of the data.
    public static func prune(_ job: PruneJob, searchProgress: JobProgress? = nil) throws -> PruneJobReport {
        guard case .magnitude(let o) = job.method else { throw PipelineError(.data, file: job.model, "not a magnitude criterion") }
        let m = try Model.load(path: job.model)
        var (p, report) = try Pruner.prune(m, options: o, validation: job.data?.halves().validation,
                                           calibration: job.calibration) { round, rounds, t, loss in
            searchProgress?(round, rounds, String(format: o.compensate ? "%.0f neurons removed: loss %.4f" : "threshold %.4g: loss %.4f", t, loss))
        }
        let tuned = try finetune(&p, job: job, on: job.data?.halves().validation)
        try save(p, to: job.output)
        let splits = job.data.map { d -> [(String, LabelledData)] in
            let h = d.halves()
            return [("validation, first half", h.validation), ("held out, second half", h.test)]
        } ?? []
        let cmp = try ModelComparison(before: m, after: p, physical: false, sizes: job.measureSizes, splits: splits)
        return PruneJobReport(model: job.model, output: job.output, report: report, finetune: tuned, comparison: cmp)
    }

    /// Prunes by capacity (job.method must be `.capacity`, job.data given).
    public static func capacityPrune(_ job: PruneJob) throws -> CapacityPruneJobReport {
        guard case let .capacity(sparsity, perLayer) = job.method else { throw PipelineError(.data, file: job.model, "not the capacity criterion") }
        guard let data = job.data else { throw PipelineError(.missingData("labelled data"), file: job.model, "capacity pruning measures inputs and gradients on labelled data") }
        let m = try Model.load(path: job.model)
        var (p, report) = try CapacityPruning.prune(m, data: data, sparsity: sparsity, perLayer: perLayer)
        let tuned = try finetune(&p, job: job, on: data)
        try save(p, to: job.output)
        let cmp = try ModelComparison(before: m, after: p, physical: false, sizes: job.measureSizes, splits: [("analysis data (SHC)", data)])
        return CapacityPruneJobReport(model: job.model, output: job.output, report: report, finetune: tuned, comparison: cmp)
    }

    private static func finetune(_ p: inout Model, job: PruneJob, on data: LabelledData?) throws -> TrainingReport? {
        guard job.finetuneEpochs > 0 else { return nil }
        guard let d = data else { throw PipelineError(.missingData("labelled data"), file: job.model, "fine-tuning needs labelled data") }
        var o = TrainingOptions()
        o.epochs = job.finetuneEpochs
        o.keepSparsity = true
        let tuned: TrainingReport
        (p, tuned) = try Finetune.model(p, inputs: d.inputs, labels: d.labels.map { Int64($0) }, options: o)
        return tuned
    }

    /// Saves `model` atomically, keeping external data external (`<output>.data`).
    static func save(_ model: Model, to output: String) throws {
        try model.save(to: output, options: SaveOptions(externalData: .keep, dataFileName: FileIO.fileName(of: output) + ".data"))
    }
}
