#if canImport(Glibc)
import Glibc
#endif
import ONNXIO

/// `fuzz-onnx-load`: model bytes, plus a second input served as the external-data file.
///
/// The input is the model, then optionally `separator` and the data file's bytes. The model
/// goes to a file in a private temporary folder; the data bytes go to every plain file name
/// the model's external tensors point at; then `Model.load(path:)` reads them as `nncodec`
/// does. A model that loads must serialize, parse and serialize again to the same bytes.
enum ONNXLoadTarget {
    static let separator: [UInt8] = Array("#NNCDATA#".utf8)

    static func run(_ bytes: [UInt8]) throws(FuzzFinding) {
        let (modelBytes, dataBytes) = split(bytes)
        guard let parsed = try? Model(serialized: modelBytes, source: "fuzz.onnx") else { return }
        try checkReserialization(parsed, target: .onnxLoad)
        // A parse with every raw_data of the main graph's initializers left in the buffer
        // (what a mapped load does with large ones) gives the same model, or does not apply
        // (compared serialized: a NaN in a typed field is not == itself).
        if let skeleton = Model(skeletonOf: TensorBytes(modelBytes), source: "fuzz.onnx", minimumBytes: 1),
           skeleton.serialized() != parsed.serialized() {
            throw FuzzFinding(.onnxLoad, "the skeleton parse (payloads left in the buffer) gives another model")
        }
        let dir = scratchDirectory()
        let modelPath = dir + "/model.onnx"
        var written: [String] = []
        defer { for p in written { unlink(p) } }
        // The model file stays between inputs (rewritten in place): creating and deleting a
        // file per input spent more time in the file system than in the parser.
        guard write(modelBytes, to: modelPath) else { return }
        var model = parsed
        var names = Set<String>()
        model.forEachTensor { (t: inout Tensor) in
            if t.isExternal, let l = t.externalValue("location"), isPlainName(l) { names.insert(l) }
        }
        for name in names.prefix(4) where write(dataBytes ?? [], to: dir + "/" + name) {
            written.append(dir + "/" + name)
        }
        if let loaded = try? Model.load(path: modelPath) {
            try checkReserialization(loaded, target: .onnxLoad)
        }
    }

    /// serialize → parse → serialize gives the same bytes.
    static func checkReserialization(_ model: Model, target: FuzzTarget) throws(FuzzFinding) {
        let once = model.serialized()
        guard let again = try? Model(serialized: once, source: "reserialized") else {
            throw FuzzFinding(target, "a model that parsed does not parse after serialization (\(once.count) bytes)")
        }
        guard again.serialized() == once else {
            throw FuzzFinding(target, "serialize → parse → serialize changed the bytes")
        }
    }

    static func split(_ b: [UInt8]) -> ([UInt8], [UInt8]?) {
        let s = separator
        guard b.count >= s.count else { return (b, nil) }
        for i in 0...(b.count - s.count) where b[i] == s[0] && Array(b[i..<(i + s.count)]) == s {
            return (Array(b[..<i]), Array(b[(i + s.count)...]))
        }
        return (b, nil)
    }

    static func isPlainName(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count < 64 && !s.contains("/") && s != "." && s != ".." && s != "model.onnx" && !s.contains("\0")
    }

    /// A folder private to this process, made once, in memory (`/dev/shm`) where there is
    /// one, and removed with its model file when the process exits.
    static func scratchDirectory() -> String {
        if let d = scratch { return d }
        var d = "/tmp"
        for parent in ["/dev/shm", "/tmp"] {
            var template = Array("\(parent)/nncodec-fuzz-XXXXXX".utf8CString)
            if let made = template.withUnsafeMutableBufferPointer({ p in mkdtemp(p.baseAddress!).map { String(cString: $0) } }) {
                d = made
                atexit {
                    guard let d = ONNXLoadTarget.scratch else { return }
                    unlink(d + "/model.onnx")
                    rmdir(d)
                }
                break
            }
        }
        scratch = d
        return d
    }
    nonisolated(unsafe) static var scratch: String?

    static func write(_ bytes: [UInt8], to path: String) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, bytes.count - done) }
            guard n > 0 else { return false }
            done += n
        }
        return true
    }
}
