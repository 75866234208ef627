import Foundation
import Testing
@testable import Codec
import ONNXIO
import TestSupport

private let root: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// Decoding from a file read unit by unit (`NNRFileSource`) against decoding from memory.
@Suite("decode from a file, unit by unit")
struct FileSourceTests {
    private func stream() throws -> [UInt8] {
        var o = EncodeOptions(q: 8)
        o.dependentQuantization = true
        return try ModelEncoder(options: o).encode(try Model.load(path: root + "/testdata/lenet5.onnx")).bytes
    }

    private func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "nncodec-filesource-\(getpid())-\(name)"
        try FileIO.writeAtomically(path, bytes: bytes)
        return path
    }

    @Test("the same model and report as from memory, for 1 and 2 threads")
    func sameAsMemory() throws {
        let bytes = try stream()
        let path = try write(bytes, "ok.nnc")
        defer { unlink(path) }
        let source = try NNRFileSource(path: path)
        #expect(source.count == bytes.count)
        let memory = try ModelDecoder.decode(bytes, source: "m", threads: 1)
        for n in [1, 2] {
            let file = try ModelDecoder.decode(source, source: "m", threads: n)
            #expect(file.model == memory.model, "\(n) threads")
            #expect(file.report == memory.report, "\(n) threads")
        }
    }

    @Test("a truncated file gives the error the same bytes give in memory")
    func truncated() throws {
        let bytes = Array(try stream().dropLast(37))
        let path = try write(bytes, "cut.nnc")
        defer { unlink(path) }
        for n in [1, 2] {
            let fromFile = #expect(throws: DecodeError.self) { try ModelDecoder.decode(try NNRFileSource(path: path), source: "c", threads: n) }
            let fromMemory = #expect(throws: DecodeError.self) { try ModelDecoder.decode(bytes, source: "c", threads: n) }
            #expect(fromFile?.description == fromMemory?.description, "\(n) threads")
        }
    }

    @Test("a missing file is an ONNXError naming it")
    func missing() {
        let e = #expect(throws: ONNXError.self) { try NNRFileSource(path: "/nonexistent/x.nnc") }
        #expect(e?.description.contains("/nonexistent/x.nnc") == true)
    }
}
