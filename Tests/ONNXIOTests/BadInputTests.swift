import TestSupport
import Foundation
import Testing
@testable import ONNXIO

@Suite("bad input")
struct BadInputTests {
    let dir = Fixtures.tempDir()

    func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let p = dir + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }

    @Test("missing file, directory, empty file")
    func files() throws {
        let e1 = #expect(throws: ONNXError.self) { try Model.load(path: dir + "/nope.onnx") }
        #expect(e1?.kind == .fileNotFound)
        let e2 = #expect(throws: ONNXError.self) { try Model.load(path: dir) }
        #expect(e2?.kind == .isDirectory)
        let e3 = #expect(throws: ONNXError.self) { try Model.load(path: try write([], "empty.onnx")) }
        #expect(e3?.kind == .emptyFile)
        #expect(e3?.description.hasPrefix(dir + "/empty.onnx") == true)
    }

    @Test("truncation at every length of a small model is an error with the file named, never a crash")
    func truncatedEverywhere() throws {
        let full = Fixtures.everyField().serialized()
        var failures = 0
        for n in stride(from: 1, to: full.count, by: 1) {
            let p = try write(Array(full.prefix(n)), "t.onnx")
            do {
                _ = try Model.load(path: p)
            } catch {
                failures += 1
                #expect(error.description.hasPrefix(p))
                #expect(!error.description.contains("\n"))
            }
        }
        // A prefix that ends exactly on a top-level field boundary can be a valid (smaller)
        // message; everything else must fail.
        #expect(failures > full.count * 9 / 10)
    }

    @Test("a truncated model reports the byte offset of the broken field")
    func offset() throws {
        let full = Fixtures.everyField().serialized()
        let p = try write(Array(full.prefix(full.count - 10)), "cut.onnx")
        let e = #expect(throws: ONNXError.self) { try Model.load(path: p) }
        #expect(e?.kind == .malformed)
        #expect(e?.offset != nil)
        #expect(e?.description.contains("truncated") == true)
    }

    @Test("random bytes are rejected")
    func random() throws {
        var seeded = SeededRandom(seed: 42)
        for i in 0..<50 {
            let bytes = (0..<(64 + i * 13)).map { _ in UInt8.random(in: 0...255, using: &seeded) }
            let p = try write(bytes, "r\(i).onnx")
            #expect(throws: ONNXError.self) { try Model.load(path: p) }
        }
    }

    @Test("flipped bytes never crash; failures are ONNXError")
    func flipped() throws {
        let full = Fixtures.everyField().serialized()
        var seeded = SeededRandom(seed: 7)
        for _ in 0..<200 {
            var b = full
            let i = Int.random(in: 0..<b.count, using: &seeded)
            b[i] ^= UInt8.random(in: 1...255, using: &seeded)
            do { _ = try Model(serialized: b) } catch {
                #expect(!error.description.isEmpty)
            }
        }
    }
}

/// The shared seeded generator, visible to every file of this test module.
typealias SeededRandom = TestSupport.SeededRandom
