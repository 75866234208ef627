import Foundation
import Testing
@testable import Codec
import ONNXIO
import TestSupport

/// The unit reader's payloads (read on their own after a short header read) and `info`'s
/// header-only summary, on NNCodec's fixtures and on our own streams.
@Suite("unit payloads and header-only summaries")
struct UnitReadTests {
    private func ownStreams() throws -> [(String, [UInt8])] {
        var out: [(String, [UInt8])] = []
        for (name, dq) in [("lenet300.onnx", true), ("lenet5.onnx", false)] {
            var o = EncodeOptions(q: 8)
            o.dependentQuantization = dq
            o.threads = 1
            out.append((name, try ModelEncoder(options: o).encode(try Model.load(path: TestData.path(name))).bytes))
        }
        return out
    }

    private func allStreams() throws -> [(String, [UInt8])] {
        try NNCFixtureManifest.streams.map { ($0.file, try NNCFixtureManifest.bytes($0.file)) } + ownStreams()
    }

    /// What `info` said before it read headers only: every unit read whole, the qp from the
    /// payload the unit carries.
    private func fullReadSummary(_ bytes: [UInt8]) throws -> [StreamSummary.TensorEntry] {
        var out: [StreamSummary.TensorEntry] = []
        try NNRBitstream.readUnits(bytes) { unit, mps in
            guard case .compressedData(let ndu) = unit.body else { return }
            let h = ndu.header, n = h.elementCount
            let qp = try h.payloadType == .float ? NNRBitstream.tensorQp(ndu, mps: mps) : nil
            out.append(.init(name: h.tensorName, payload: "\(h.payloadType)", shape: h.dimensions, parameters: n, bytes: unit.size,
                             bitsPerParameter: Double(unit.size * 8) / Double(max(n, 1)), qp: qp,
                             stepSize: qp.map { NNRQuantization.stepSize(qp: $0, qpDensity: mps.qpDensity) },
                             dependentQuantization: h.payloadType == .float && h.dqFlag))
        }
        return out
    }

    @Test("each payload is the unit's last bytes, from payloadOffset; a header-only read finds the same offset")
    func payloadsInPlace() throws {
        var large = 0
        for (name, bytes) in try allStreams() {
            var offsets: [Int] = []
            try NNRBitstream.readUnits(bytes) { unit, _ in
                guard case .compressedData(let ndu) = unit.body else { return }
                let end = unit.byteOffset + unit.size
                #expect(Array(bytes[unit.payloadOffset..<end]) == ndu.payload, "\(name) \(ndu.header.tensorName)")
                if unit.size > NNRUnitSyntax.headerPrefix { large += 1 }
                offsets.append(unit.payloadOffset)
            }
            var headerOffsets: [Int] = []
            try NNRBitstream.readUnits(bytes, headerOnly: true) { unit, _ in
                if case .compressedData = unit.body { headerOffsets.append(unit.payloadOffset) }
            }
            #expect(headerOffsets == offsets, "\(name)")
        }
        #expect(large > 10)   // the short header read is exercised
    }

    @Test("info from the file's headers equals a summary of the units read whole, for every fixture")
    func summaryFromHeaders() throws {
        for (name, bytes) in try allStreams() {
            let path = NSTemporaryDirectory() + "nncodec-unitread-\(getpid()).nnc"
            try FileIO.writeAtomically(path, bytes: bytes)
            defer { unlink(path) }
            let fromFile = try StreamSummary(try NNRFileSource(path: path), source: path)
            let fromMemory = try StreamSummary(bytes, source: path)
            #expect(fromFile == fromMemory, "\(name)")
            #expect(fromFile.tensors == (try fullReadSummary(bytes)), "\(name)")
            #expect(fromFile.bytes == bytes.count)
        }
    }

    @Test("a FLOAT payload cut to 1 or 2 bytes: info from the headers says what a whole read says")
    func shortPayload() throws {
        let (_, bytes) = try ownStreams()[1]
        var units: [NNRUnit] = []
        try NNRBitstream.readUnits(bytes) { unit, _ in
            if case .compressedData(let ndu) = unit.body, ndu.header.payloadType == .float, ndu.header.elementCount <= 64 {
                units.append(unit)
            }
        }
        let unit = try #require(units.last)
        #expect(bytes[unit.byteOffset] & 0x80 == 0)   // a 2-byte size field
        for kept in [1, 2] {
            let keep = unit.payloadOffset + kept - unit.byteOffset
            var cut = Array(bytes[..<(unit.byteOffset + keep)]) + Array(bytes[(unit.byteOffset + unit.size)...])
            cut[unit.byteOffset] = UInt8(keep >> 8)
            cut[unit.byteOffset + 1] = UInt8(keep & 0xFF)
            let headers = Result { try StreamSummary(cut, source: "cut.nnc").tensors }
            let whole = Result { try fullReadSummary(cut) }
            switch (headers, whole) {
            case (.success(let a), .success(let b)): #expect(a == b, "\(kept) bytes")
            case (.failure(let a), .failure(let b)): #expect("\(a)" == "cut.nnc: \(b) (the bitstream is truncated or corrupt)", "\(kept) bytes")
            case (let a, let b): Issue.record("\(kept) bytes: header-only and whole reads disagree: \(a) vs \(b)")
            }
        }
    }
}
