import Codec
import ONNXIO
import Reports
import Runtime

/// One `sweep` job: encode at a range of steps, decode, evaluate, write the curve.
public struct SweepJob: Sendable {
    public var model: String
    /// `FILE` or `NAME=FILE` per graph input.
    public var data: [String]
    /// The labels file (see `Labels`).
    public var labels: String
    /// Steps 2^-q to try.
    public var qs: [Int]
    /// The variants: dependent quantization off and/or on.
    public var dependentQuantization: [Bool] = [false, true]
    public var batchSize = 64
    public var limit: Int?
    /// Also measure .7z and .xz sizes of the .onnx.
    public var archives = true
    /// Where the CSV and the SVG plot go (nil: not written).
    public var csv: String?
    public var svg: String?

    public init(model: String, data: [String], labels: String, qs: [Int]) {
        self.model = model
        self.data = data
        self.labels = labels
        self.qs = qs
    }
}

extension Pipeline {
    /// Runs the sweep (progress after each point) and writes the CSV and SVG atomically.
    public static func sweep(_ job: SweepJob, progress: JobProgress? = nil) throws -> SweepResult {
        let m = try Model.load(path: job.model)
        let d = try BoundData(session: try Session(model: m), model: job.model, data: job.data, labels: job.labels, limit: job.limit)
        var result = try Sweep.run(model: m, name: FileIO.fileName(of: job.model), onnxBytes: modelBytes(m, path: job.model),
                                   data: d.feed, labels: d.labels ?? [], qs: job.qs, dependentQuantization: job.dependentQuantization,
                                   batchSize: job.batchSize) { done, total, label in progress?(done, total, label) }
        if job.archives {
            let sizes = try Pipeline.sizes(of: job.model).sizes
            result.sevenZipBytes = sizes.sevenZipBytes
            result.xzBytes = sizes.xzBytes
        }
        if let csv = job.csv { try FileIO.writeAtomically(csv, bytes: Array(result.csv.utf8)) }
        if let svg = job.svg { try FileIO.writeAtomically(svg, bytes: Array(result.svg.utf8)) }
        return result
    }
}
