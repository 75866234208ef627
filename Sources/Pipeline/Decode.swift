import Codec
import Foundation
import ONNXIO
import Runtime

/// One `decode` job: a bitstream back to an .onnx file.
public struct DecodeJob: Sendable {
    public var input: String
    public var output: String
    /// A model whose graph to fill (streams without a topology unit need one).
    public var graph: String?
    public var threads = ParallelWork.defaultThreads
    /// Write tensors to `output`.data as they are decoded (nil: automatic for models over 2 GB).
    public var externalData: Bool?

    public init(input: String, output: String) {
        self.input = input
        self.output = output
    }
}

/// What a decode job did.
public struct DecodeJobReport: Codable, Sendable {
    public var input: String
    public var output: String
    public var onnxBytes: Int
    public var seconds: Double
    public var report: DecodeReport
}

extension Pipeline {
    /// Reads the stream, decodes it (into `job.graph` when given), and writes the model
    /// atomically; progress is (tensors done, 0, tensor name).
    public static func decode(_ job: DecodeJob, progress: JobProgress? = nil) throws -> DecodeJobReport {
        let start = Date()
        HeapPolicy.keepFreedMemory()   // each tensor's levels and values reuse the last one's pages
        CPUThreading.endBLASThreads()   // their start-up spin would take a share of a core from the coding threads
        let bytes = try NNRFileSource(path: job.input)   // read unit by unit, never whole
        guard bytes.count > 0 else { throw PipelineError(.emptyFile, file: job.input, "file is empty (expected an NNC bitstream)") }
        let graphModel = try job.graph.map { try Model.load(path: $0) }
        let (report, dataFile) = try ModelDecoder.decode(bytes, source: job.input, graph: graphModel, threads: job.threads,
                                                         to: job.output, externalData: job.externalData) { n, name in
            progress?(n, 0, name)
        }
        return DecodeJobReport(input: job.input, output: job.output,
                               onnxBytes: (FileIO.size(job.output) ?? 0) + (dataFile.flatMap(FileIO.size) ?? 0),
                               seconds: Date().timeIntervalSince(start), report: report)
    }
}
