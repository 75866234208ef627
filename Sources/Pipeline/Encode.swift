import Archives
import Codec
import Foundation
import ONNXIO
import Prune
import RateAllocation
import Reports
import Runtime

/// One `encode` job: which model, where the stream goes, and what happens before coding.
public struct EncodeJob: Sendable {
    public var model: String
    public var output: String
    public var options: EncodeOptions
    /// Prune first with these settings (nil: no pruning).
    public var pruning: PruneOptions?
    /// Labelled data for the pruning search and the before/after accuracy (its first half
    /// validates, the second is held out).
    public var data: LabelledData?
    /// Inputs the least-squares compensation fits on.
    public var calibration: NDArray?
    /// Simplify (fold BatchNorm, remove dead channels) before encoding.
    public var simplify = false
    /// Also measure .7z and .xz sizes of the .onnx.
    public var measureSizes = false
    /// Choose per-tensor qps for the smallest stream meeting an accuracy budget (nil: the
    /// options' qps as given).
    public var allocation: AllocationJob?

    public init(model: String, output: String, options: EncodeOptions) {
        self.model = model
        self.output = output
        self.options = options
    }
}

/// What an encode job did.
public struct EncodeJobReport: Codable, Sendable {
    public var model: String
    public var output: String
    public var onnxBytes: Int
    public var bitstreamBytes: Int
    public var ratio: Double
    public var bitsPerParameter: Double
    public var seconds: Double
    public var sizes: SizeReport?
    public var report: EncodeReport
    public var pruning: PruneReport?
    public var simplification: SimplifyReport?
    /// The original model against the pruned/simplified one that was encoded.
    public var comparison: ModelComparison?
    /// The rate-allocation search, when the job asked for one.
    public var allocation: AllocationReport?
}

/// A rate-allocation search inside an encode job.
public struct AllocationJob: Sendable {
    public var options: AllocationOptions
    /// The samples; the first `validationFraction` validate the search, the rest are only reported.
    public var data: ValidationData
    public var validationFraction: Double = 1

    public init(options: AllocationOptions, data: ValidationData, validationFraction: Double = 1) {
        self.options = options
        self.data = data
        self.validationFraction = validationFraction
    }
}

/// Progress of a job: (done, total, what).
public typealias JobProgress = @Sendable (Int, Int, String) -> Void

/// One entry per job: each is a plain library call returning a report value.
public enum Pipeline {
    /// Loads, optionally prunes and simplifies, encodes, and writes the stream atomically.
    /// `allocationLog` gets one line per step of a rate-allocation search.
    public static func encode(_ job: EncodeJob, searchProgress: JobProgress? = nil,
                              encodeProgress: JobProgress? = nil,
                              allocationLog: (@Sendable (String) -> Void)? = nil) throws -> EncodeJobReport {
        HeapPolicy.keepFreedMemory()   // each tensor's copies, levels and payload reuse the last one's pages
        CPUThreading.endBLASThreads()   // their start-up spin would take a share of a core from the coding threads
        let original = try Model.load(path: job.model, mapExternalData: true)
        var m = original
        var pruneReport: PruneReport?
        var simplifyReport: SimplifyReport?
        if let o = job.pruning {
            (m, pruneReport) = try Pruner.prune(m, options: o, validation: job.data?.halves().validation,
                                                calibration: job.calibration) { round, rounds, t, loss in
                searchProgress?(round, rounds, String(format: o.compensate ? "%.0f neurons removed: loss %.4f" : "threshold %.4g: loss %.4f", t, loss))
            }
        }
        if job.simplify { (m, simplifyReport) = try Simplifier.simplify(m) }
        let transformed = job.pruning != nil || job.simplify
        var options = job.options
        var allocation: AllocationReport?
        if let a = job.allocation {
            let (validation, heldOut) = try a.data.split(validationFraction: a.validationFraction)
            (options, allocation) = try RateSearch.run(model: m, encode: job.options, data: validation, heldOut: heldOut,
                                                       options: a.options, progress: allocationLog)
        }
        let start = Date()
        // Units go to the file as tensors finish; mapped external data is evicted once coded.
        let report = try ModelEncoder(options: options).encode(m, to: job.output, progress: encodeProgress)
        let seconds = Date().timeIntervalSince(start)
        let onnxBytes = transformed ? m.inlined().serialized().count : modelBytes(m, path: job.model)
        var sizeReport: SizeReport?
        if job.measureSizes {
            sizeReport = transformed ? try SizeReport.measure(m.inlined().serialized(), name: FileIO.fileName(of: job.model))
                : try sizes(of: job.model).sizes
        }
        let splits = job.pruning == nil ? [] : job.data.map { d -> [(String, LabelledData)] in
            let h = d.halves()
            return [("validation, first half", h.validation), ("held out, second half", h.test)]
        } ?? []
        let comparison = transformed ? try ModelComparison(before: original, after: m, physical: job.simplify,
                                                          sizes: job.measureSizes, splits: splits) : nil
        return EncodeJobReport(model: job.model, output: job.output, onnxBytes: onnxBytes, bitstreamBytes: report.bitstreamBytes,
                               ratio: Double(onnxBytes) / Double(max(report.bitstreamBytes, 1)), bitsPerParameter: report.bitsPerParameter,
                               seconds: seconds, sizes: sizeReport, report: report,
                               pruning: pruneReport, simplification: simplifyReport, comparison: comparison,
                               allocation: allocation)
    }

    /// The model's size as one .onnx file (external data counted).
    static func modelBytes(_ m: Model, path: String) -> Int {
        var external = 0
        var copy = m
        copy.forEachTensor { t in if t.isExternal { external += t.rawData?.count ?? 0 } }
        return (FileIO.size(path) ?? 0) + external
    }
}
