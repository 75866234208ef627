import CABAC
import Foundation
import Testing
@testable import Codec

@Suite("NNR syntax")
struct NNRSyntaxTests {
    static func fixture(_ name: String = "random/qp-38_dq1_po1_rs1.nnr") throws -> [UInt8] {
        try NNCFixtureManifest.bytes(name)
    }

    @Test("step sizes as NNCodec computes them")
    func stepSizes() {
        #expect(NNRQuantization.stepSize(qp: -60, qpDensity: 2) == Float(sign: .plus, exponent: -15, significand: 1))
        #expect(NNRQuantization.stepSize(qp: -32, qpDensity: 2) == Float(sign: .plus, exponent: -8, significand: 1))
        #expect(NNRQuantization.stepSize(qp: -38, qpDensity: 2) == 1.5 * Float(sign: .plus, exponent: -10, significand: 1))
        #expect(NNRQuantization.stepSize(qp: -75, qpDensity: 2) == 1.25 * Float(sign: .plus, exponent: -19, significand: 1))
        #expect(NNRQuantization.stepSize(qp: 5, qpDensity: 0) == 32)
    }

    @Test("unit layout of an NNCodec stream")
    func layout() throws {
        let bs = try NNRBitstream.parse(try Self.fixture())
        #expect(bs.units.map(\.header.type) == [.start, .modelParameterSet, .topology] + Array(repeating: .compressedData, count: 6))
        let mps = try #require(bs.modelParameterSet)
        #expect(mps.qpDensity == 2 && mps.quantizationParameter == 0 && mps.topologyCarriage)
        #expect(bs.units.reduce(0) { $0 + $1.size } == (try Self.fixture()).count)
    }

    @Test("every truncation is an error unless it falls on a unit boundary")
    func truncation() throws {
        let bytes = try Self.fixture()
        let full = try NNRBitstream.parse(bytes)
        var boundaries: Set<Int> = []
        var end = 0
        for u in full.units { end += u.size; boundaries.insert(end) }
        for cut in 0..<bytes.count {
            let prefix = Array(bytes[0..<cut])
            if boundaries.contains(cut) {
                let bs = try NNRBitstream.parse(prefix)
                #expect(bs.tensors == Array(full.tensors.prefix(bs.tensors.count)))
            } else {
                #expect(throws: NNRError.self, "cut at \(cut)") { _ = try NNRBitstream.parse(prefix) }
            }
        }
    }

    @Test("trailing garbage after the last unit is an error",
          arguments: [[0x00], [0x00, 0x01], [0xDE, 0xAD, 0xBE, 0xEF, 0x01], [0x00, 0x03, 0xFF], [0x7F, 0xFF, 0x16]] as [[UInt8]])
    func trailingGarbage(_ garbage: [UInt8]) throws {
        let bytes = try Self.fixture() + garbage
        #expect(throws: NNRError.self) { _ = try NNRBitstream.parse(bytes) }
    }

    @Test("bad unit types, sizes and NDU payload lengths are errors")
    func badUnits() throws {
        let bytes = try Self.fixture()
        let bs = try NNRBitstream.parse(bytes)
        for (i, unit) in bs.units.enumerated() {
            let headerByte = unit.byteOffset + 2
            for type in [7, 20, 63] {
                var b = bytes
                b[headerByte] = UInt8(type << 2) | (b[headerByte] & 3)
                #expect(throws: NNRError(.badUnitType(type), byteOffset: headerByte, unitIndex: i)) { _ = try NNRBitstream.parse(b) }
            }
            for delta in [-1, 1, -unit.size + 1] {
                var b = bytes
                let size = unit.size + delta
                b[unit.byteOffset] = UInt8(size >> 8)
                b[unit.byteOffset + 1] = UInt8(size & 0xFF)
                #expect(throws: NNRError.self, "unit \(i) size \(size)") { _ = try NNRBitstream.parse(b) }
            }
        }
        // A compressed-data unit first.
        let ndu = bs.units[3]
        #expect(throws: NNRError.self) { _ = try NNRBitstream.parse(Array(bytes[ndu.byteOffset...])) }
        #expect(throws: NNRError(.truncated, byteOffset: 0)) { _ = try NNRBitstream.parse([]) }
    }

    @Test("random corruption never crashes or hangs")
    func corruption() throws {
        let bytes = try Self.fixture()
        var seed: UInt64 = 12345
        func next() -> Int { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return Int(seed >> 33) }
        for _ in 0..<300 {
            var b = bytes
            for _ in 0..<(1 + next() % 4) { b[next() % b.count] ^= UInt8(1 + next() % 255) }
            do throws(NNRError) {
                let bs = try NNRBitstream.parse(b)
                #expect(!bs.units.isEmpty)
            } catch {
                #expect(error.byteOffset >= 0 && error.byteOffset <= b.count + 8, "\(error)")
            }
        }
    }

    @Test("errors name the unit and tensor")
    func errorContext() throws {
        var bytes = try Self.fixture()
        let bs = try NNRBitstream.parse(bytes)
        let unit = bs.units[4]
        // Break the last payload byte of the second tensor's unit (its stop pattern).
        bytes[unit.byteOffset + unit.size - 1] ^= 0xFF
        do throws(NNRError) {
            _ = try NNRBitstream.parse(bytes)
            Issue.record("corrupt stream decoded")
        } catch {
            #expect(error.unitIndex == 4)
            #expect(error.tensorName == bs.tensors[1].name)
            #expect(error.description.contains(bs.tensors[1].name))
        }
    }

    @Test("writer and reader round-trip, with an extra ONNX topology unit")
    func roundTrip() throws {
        var writer = NNRWriter()
        writer.topologyUnits.append(NNRTopologyUnit(storageFormat: NNRTopologyStorageFormat.onnx, compressionFormat: 0,
                                                    data: Array("graph bytes\0with zero".utf8)))
        let dqLevels = DependentQuantization.reconstructionLevels(indices: [1, 0, -1, 0, 0, 2])
        let levels = (0..<600).map { Int32(($0 * 7919) % 23) - 11 }
        let inputs = [
            NNRTensorInput(name: "a.weight", dimensions: [20, 30], data: .quantized(levels: levels, qp: -38),
                           coding: .init(rowSkipping: true)),
            NNRTensorInput(name: "a.bias", dimensions: [20], data: .quantized(levels: Array(levels.prefix(20)), qp: -75)),
            NNRTensorInput(name: "ids", dimensions: [3, 2], data: .integers([0, 0, -5, 1 << 30, 7, 0])),
            NNRTensorInput(name: "raw", dimensions: [2], data: .rawFloat([1.5, -.infinity])),
            NNRTensorInput(name: "ünï", dimensions: [1, 1, 2, 3], data: .quantized(levels: dqLevels, qp: 10),
                           coding: .init(dependentQuantization: true, unaryLength: 1, optimizeInitialization: false)),
        ]
        let bytes = try writer.write(inputs)
        let bs = try NNRBitstream.parse(bytes)
        #expect(bs.topologyUnits == writer.topologyUnits)
        #expect(bs.tensors.map(\.name) == inputs.map(\.name))
        #expect(bs.tensors[0].levels == levels && bs.tensors[0].qp == -38)
        #expect(bs.tensors[1].qp == -75)
        #expect(bs.tensors[2].values == .int32([0, 0, -5, 1 << 30, 7, 0]))
        #expect(bs.tensors[3].values == .float32([1.5, -.infinity]))
        #expect(bs.tensors[4].levels == dqLevels && bs.tensors[4].dependentQuantization)
        let delta = NNRQuantization.stepSize(qp: -38, qpDensity: 2)
        #expect(bs.tensors[0].values == .float32(levels.map { Float($0) * delta }))
        // Re-serializing the parsed units gives the same bytes.
        var context = NNRSyntaxContext()
        #expect(bs.units.flatMap { NNRUnitSyntax.write($0, context: &context) } == bytes)
    }

    @Test("writer rejects what it cannot code")
    func writerErrors() {
        let w = NNRWriter()
        #expect(throws: NNRError.self) {
            try w.write([NNRTensorInput(name: "x", dimensions: [2], data: .quantized(levels: [1], qp: 0))])
        }
        #expect(throws: NNRError.self) {
            try w.write([NNRTensorInput(name: "x", dimensions: [1], data: .quantized(levels: [1], qp: 1000))])
        }
        #expect(throws: NNRError.self) {
            try w.write([NNRTensorInput(name: "x", dimensions: [1], data: .quantized(levels: [3], qp: 0),
                                        coding: .init(dependentQuantization: true))])
        }
    }
}
