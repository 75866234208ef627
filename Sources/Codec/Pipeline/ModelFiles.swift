import ONNXIO

/// Encoding into and decoding out of files, tensor by tensor, for models larger than memory.
extension ModelEncoder {
    /// Encodes `model` straight into the file at `path`, written atomically (nothing is left
    /// behind on failure): tensors are taken in model order by `options.threads` workers and
    /// each unit is written as soon as those before it are, so memory stays near the tensors
    /// in flight; payloads mapped from files (`Model.load(path:mapExternalData:)`) are evicted
    /// once coded. Models of at most `largestFirstBytes` of tensor data are scheduled largest
    /// tensor first instead (their units may then wait for the smaller ones before them; the
    /// second core does not idle at the end). The file holds the same bytes `encode(_:)` returns.
    public func encode(_ model: Model, to path: String, progress: (@Sendable (Int, Int, String) -> Void)? = nil) throws -> EncodeReport {
        var report: EncodeReport? = nil
        let dataBytes = model.locatedTensors().reduce(0) { $0 + ($1.tensor.rawData?.count ?? 0) }
        try FileIO.writeCapturing(path) { fd in
            var written = 0
            report = try encode(model, largestFirst: dataBytes <= ParallelWork.largestFirstBytes, progress: progress) { bytes in
                try bytes.withUnsafeBytes { raw in try FileIO.writeAll(fd, raw, file: path) }
                // Largest first, most units reach the file in a burst after the last tensor:
                // their writeback starts now, so the closing fsync has little left to wait for.
                FileIO.startWriteback(fd, offset: written, count: bytes.count)
                written += bytes.count
            }
        }
        return report!
    }
}

extension ModelDecoder {
    /// Models whose tensors exceed this many bytes are written with external data by
    /// `decode(_:to:)` unless told otherwise: protobuf limits a message to 2 GB.
    public static let externalDataThreshold = Int(Int32.max) - (64 << 20)

    /// Decodes `bytes` into an ONNX file at `path`. With external data (`externalData`, or
    /// nil and a decoded size over `externalDataThreshold`) each tensor goes into
    /// `<path>.data` as soon as it is decoded and is not kept, so memory stays near the
    /// tensors in flight; otherwise the file is laid out first and each tensor written into
    /// its place as soon as it is decoded (`DecodeInPlace.swift`; when the graph does not
    /// allow that, the model is built in memory and written inline). Both
    /// files are written atomically; on failure (a corrupt stream, a full disk) neither is
    /// left behind. Returns the report and the data file written, if any.
    public static func decode<S: NNRByteSource>(_ bytes: S, source: String, graph: Model? = nil, threads: Int = ParallelWork.defaultThreads,
                              to path: String, externalData: Bool? = nil,
                              progress: ((Int, String) -> Void)? = nil) throws -> (report: DecodeReport, dataFile: String?) {
        let listing = try? StreamListing(bytes)   // nil: decodedBytes reports the stream's error
        let external = try externalData ?? ((listing?.decodedBytes ?? decodedBytes(bytes, source: source)) > externalDataThreshold)
        guard external else {
            if let listing, let plan = plan(listing, graph: graph, source: source) {
                return (try decode(bytes, source: source, plan: plan, threads: threads, to: path, progress: progress), nil)
            }
            let (model, report) = try decode(bytes, source: source, graph: graph, threads: threads, progress: progress)
            try model.save(to: path, options: SaveOptions(externalData: .inlineAll))
            return (report, nil)
        }
        let dataName = FileIO.fileName(of: path) + ".data"
        let dataPath = FileIO.directory(of: path) + "/" + dataName
        var decoded: (model: Model, report: DecodeReport)? = nil
        try FileIO.writeCapturing(dataPath) { fd in
            var offset = 0
            decoded = try decode(bytes, source: source, graph: graph, threads: threads, progress: progress) { t in
                guard let raw = t.rawData else { return }
                try raw.withUnsafeBytes { p in try FileIO.writeAll(fd, p, file: dataPath) }
                t.externalData = [StringPair(key: "location", value: dataName), StringPair(key: "offset", value: String(offset)),
                                  StringPair(key: "length", value: String(raw.count))]
                t.dataLocation = .external
                t.rawData = nil
                offset += raw.count
            }
        }
        do {
            try decoded!.model.save(to: path, options: SaveOptions(externalData: .keep))
        } catch {
            FileIO.remove(dataPath)
            throw error
        }
        return (decoded!.report, dataPath)
    }

    /// Bytes of the tensors a stream decodes to, from its unit headers (4 per element).
    public static func decodedBytes<S: NNRByteSource>(_ bytes: S, source: String) throws -> Int {
        do {
            return try StreamListing(bytes).decodedBytes
        } catch let e as NNRError {
            throw DecodeError("\(source): \(e) (the bitstream is truncated or corrupt)")
        }
    }
}

extension FileIO {
    /// `writeAtomically` with a body that may throw any error: the file is removed and the
    /// body's own error rethrown.
    static func writeCapturing(_ path: String, _ body: (Int32) throws -> Void) throws {
        var failure: (any Error)? = nil
        do {
            try writeAtomically(path) { (fd) throws(ONNXError) in
                do { try body(fd) } catch let e as ONNXError { throw e } catch {
                    failure = error
                    throw ONNXError(.writeFailed, file: path, detail: "stopped", hint: "")
                }
            }
        } catch {
            throw failure ?? error
        }
    }

    /// Removes a file, ignoring errors (clean-up after a failure).
    static func remove(_ path: String) {
        _ = unlink(path)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
