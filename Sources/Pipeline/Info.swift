import Codec
import ONNXIO

/// What `info` shows: a model's summary or a bitstream's.
public enum FileSummary: Sendable {
    case model(ModelSummary)
    case stream(StreamSummary)
}

extension Pipeline {
    /// Summarizes `path`: a file ending in .onnx as a model (with its `largest` tensors),
    /// anything else as an NNC bitstream.
    public static func info(_ path: String, largest: Int = 10) throws -> FileSummary {
        if path.hasSuffix(".onnx") { return .model(ModelSummary(try Model.load(path: path), largest: largest)) }
        let bytes = try NNRFileSource(path: path)   // the unit headers and each payload's first bytes only
        guard bytes.count > 0 else { throw PipelineError(.emptyFile, file: path, "file is empty (expected an NNC bitstream)") }
        return .stream(try StreamSummary(bytes, source: path))
    }
}
