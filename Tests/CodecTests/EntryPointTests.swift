import Foundation
import Testing
import CABAC
@testable import Codec
import ONNXIO
import TestSupport

/// testdata/nnc/entrypoints.json: what NNCodec 2.1.3 decodes from our `--block-scan` streams
/// of testdata/lenet300.onnx (scripts/make-entry-point-fixture.sh).
struct EntryPointFixture: Decodable {
    struct Settings: Decodable {
        var q: Int
        var dq: Int
        var block_scan: Int
    }
    struct Tensor: Decodable {
        var name: String
        var fnv1a64: String
    }
    struct Stream: Decodable, CustomTestStringConvertible {
        var settings: Settings
        var bytes: Int
        var fnv1a64: String
        var tensors: [Tensor]
        var testDescription: String { "q \(settings.q) dq \(settings.dq) block scan \(settings.block_scan)" }

        var options: EncodeOptions {
            var o = EncodeOptions(q: settings.q)
            o.dependentQuantization = settings.dq != 0
            o.blockScan = settings.block_scan
            o.carryTopology = false
            return o
        }
    }
    var model: String
    var streams: [Stream]

    static var streams: [Stream] {
        guard let data = FileManager.default.contents(atPath: TestData.path("nnc/entrypoints.json")) else { return [] }
        return (try? JSONDecoder().decode(EntryPointFixture.self, from: data).streams) ?? []
    }
}

@Suite("entry points: opt-in block scan")
struct EntryPointTests {
    static let lenet = TestData.path("lenet300.onnx")

    @Test("the fixture lists every scan order with and without DQ")
    func fixturePresent() {
        #expect(EntryPointFixture.streams.count == 8)
    }

    @Test("our block-scan streams decode in NNCodec 2.1.3 to what we decode, with 1, 2 and 4 threads",
          arguments: EntryPointFixture.streams)
    func decodesLikeNNCodec(_ s: EntryPointFixture.Stream) throws {
        let model = try Model.load(path: Self.lenet)
        var options = s.options
        options.threads = 2
        let stream = try ModelEncoder(options: options).encode(model).bytes
        // NNCodec's verdict holds for exactly this stream.
        #expect(stream.count == s.bytes)
        #expect(fnv1a64(stream) == s.fnv1a64)
        let expected = Dictionary(uniqueKeysWithValues: s.tensors.map { ($0.name, $0.fnv1a64) })
        for threads in [1, 2, 4] {
            var got: [String: String] = [:]
            try NNRBitstream.decode(stream, threads: threads) { t, _ in got[t.name] = fnv1a64(littleEndianBytes(t.values)) }
            #expect(got == expected, "\(threads) threads")
        }
    }

    @Test("encode and decode are byte-identical for 1, 2 and 4 threads at every scan order, with and without DQ",
          arguments: [1, 2, 3, 4], [false, true])
    func threadCountIndependence(scanOrder: Int, dq: Bool) throws {
        let model = try Model.load(path: Self.lenet)
        var options = EncodeOptions(q: 8)
        options.dependentQuantization = dq
        options.blockScan = scanOrder
        options.threads = 1
        let one = try ModelEncoder(options: options).encode(model)
        let reference = try NNRBitstream.parse(one.bytes)   // the sequential decode
        let fc1 = try #require(reference.tensors.first { $0.name == "fc1.weight" })
        let fc1Header = reference.units.lazy.compactMap { u -> NNRCompressedDataHeader? in
            if case .compressedData(let ndu) = u.body, ndu.header.tensorName == "fc1.weight" { return ndu.header }
            return nil
        }.first
        #expect(fc1Header?.entryPoints.isEmpty == false)
        for threads in [2, 4] {
            options.threads = threads
            let many = try ModelEncoder(options: options).encode(model)
            #expect(many.bytes == one.bytes, "\(threads) threads")
            #expect(many.report.tensors == one.report.tensors, "\(threads) threads")
        }
        let decoded1 = try ModelDecoder.decode(one.bytes, source: "lenet.nnc", threads: 1)
        for threads in [2, 4] {
            var values: [String: NNRTensorValues] = [:]
            try NNRBitstream.decode(one.bytes, threads: threads) { t, _ in values[t.name] = t.values }
            #expect(values["fc1.weight"] == fc1.values, "\(threads) threads")
            let decoded = try ModelDecoder.decode(one.bytes, source: "lenet.nnc", threads: threads)
            #expect(decoded.model == decoded1.model, "\(threads) threads")
        }
        // Round trip: the decoded weights are the quantized ones (their error is the report's),
        // and with DQ the trellis along the block scan is as good as along the rows.
        let original = try #require(model.locatedTensors().first { $0.tensor.name == "fc1.weight" }).tensor.floatValues()
        let report = try #require(one.report.tensors.first { $0.name == "fc1.weight" })
        let step = try #require(report.stepSize)
        guard case .float32(let w) = fc1.values else { Issue.record("fc1 is not float"); return }
        let worst = zip(original, w).map { Double(abs($0 - $1)) }.max() ?? 0
        #expect(worst == report.maxError)
        if dq {
            options.blockScan = 0
            let rowMajor = try #require(try ModelEncoder(options: options).encode(model).report.tensors.first { $0.name == "fc1.weight" })
            #expect(report.rmsError <= 1.02 * rowMajor.rmsError, "rms \(report.rmsError) vs row-major \(rowMajor.rmsError)")
        } else {
            #expect(worst <= 0.5 * Double(step) * 1.0001, "max error \(worst) at step \(step)")
        }
    }

    @Test("fc1's rows of blocks decode from their entry points (not the sequential fallback)")
    func splitPathTaken() throws {
        var options = EncodeOptions(q: 8)
        options.blockScan = 3
        let stream = try ModelEncoder(options: options).encode(try Model.load(path: Self.lenet)).bytes
        var found = false
        try NNRBitstream.readUnits(stream) { unit, mps in
            guard case .compressedData(let ndu) = unit.body, !ndu.header.entryPoints.isEmpty else { return }
            found = true
            var decoder = CABACDecoder(bytes: ndu.payload)
            _ = try decoder.decodeSigned(bits: 6 + mps.qpDensity)
            let h = ndu.header
            let coding = TensorCodingOptions(unaryLength: h.cabacUnaryLengthMinus1 + 1, scanOrder: h.scanOrder)
            let levels = NNRBitstream.decodeBlockRows(decoder, count: h.elementCount, rowWidth: h.rowWidth, options: coding,
                                                      entryPoints: h.entryPoints, threads: 2, stepSize: nil)
            #expect(levels != nil && levels?.values == nil, "\(h.tensorName)")
            // Values straight from the rows of blocks: Float(level) * step, no levels kept.
            let values = NNRBitstream.decodeBlockRows(decoder, count: h.elementCount, rowWidth: h.rowWidth, options: coding,
                                                      entryPoints: h.entryPoints, threads: 2, stepSize: 0.375)
            #expect(values?.levels.isEmpty == true)
            #expect(values?.values == levels?.levels.map { Float($0) * 0.375 }, "\(h.tensorName)")
        }
        #expect(found)
    }

    @Test("a damaged block-scan stream gives the same first error (or model) with 1 and 2 threads")
    func sameError() throws {
        var options = EncodeOptions(q: 8)
        options.blockScan = 1
        options.dependentQuantization = true
        let stream = try ModelEncoder(options: options).encode(try Model.load(path: Self.lenet)).bytes
        var rng = SeededRandom(seed: 151)
        for trial in 0..<24 {
            var bad = stream
            if trial % 3 == 0 {
                bad = Array(bad.prefix(Int(rng.next() % UInt64(stream.count - 1)) + 1))
            } else {
                // Flip a bit in the second half, mostly fc1's levels (or its header's entry points).
                let at = stream.count / 2 + Int(rng.next() % UInt64(stream.count / 2))
                bad[at] ^= UInt8(1 << (rng.next() % 8))
            }
            let e1 = Result { try ModelDecoder.decode(bad, source: "d.nnc", threads: 1) }
            let e2 = Result { try ModelDecoder.decode(bad, source: "d.nnc", threads: 2) }
            switch (e1, e2) {
            case (.success(let a), .success(let b)): #expect(a.model == b.model, "trial \(trial)")
            case (.failure(let a), .failure(let b)): #expect("\(a)" == "\(b)", "trial \(trial)")
            default: Issue.record("trial \(trial): one thread and two disagree on success: \(e1) vs \(e2)")
            }
        }
    }

    @Test("units coded on 1, 2 and 4 threads are identical and round-trip, also with a single row of blocks",
          arguments: [(32, 4096, 4), (300, 784, 1), (70, 1000, 3)])
    func writerRoundTrip(rows: Int, width: Int, scanOrder: Int) throws {
        var rng = SeededRandom(seed: UInt64(rows * width + scanOrder))
        let levels = (0..<(rows * width)).map { _ in Int32(Int(rng.next() % 9) - 4) * Int32(rng.next() % 3 == 0 ? 1 : 0) }
        var writer = NNRWriter()
        writer.modelParameterSet.quantizationParameter = -32
        writer.modelParameterSet.qpDensity = 2
        let input = NNRTensorInput(name: "w", dimensions: [rows, width], data: .quantized(levels: levels, qp: -32),
                                   coding: TensorCodingOptions(rowSkipping: true, scanOrder: scanOrder))
        var streams: [[UInt8]] = []
        for threads in [1, 2, 4] {
            var framing = NNRStreamWriter(writer)
            streams.append(framing.headerBytes + framing.append(try writer.compressedDataUnit(input, parameterId: 0, threads: threads)))
        }
        #expect(streams[1] == streams[0] && streams[2] == streams[0])
        for threads in [1, 2] {
            var decoded: [Int32] = []
            try NNRBitstream.decode(streams[0], threads: threads) { t, _ in decoded = t.levels }
            #expect(decoded == levels, "\(threads) threads")
        }
    }

    @Test("block scan applies to weight tensors of 65536+ elements only; 5 is refused")
    func scope() throws {
        var o = EncodeOptions(q: 8)
        o.blockScan = 2
        #expect(o.scanOrder(elements: 235_200, rowWidth: 784) == 2)
        #expect(o.scanOrder(elements: 30_000, rowWidth: 300) == 0)
        #expect(o.scanOrder(elements: 70_000, rowWidth: 70_000) == 0)
        o.blockScan = 5
        #expect(throws: EncodeError.self) { try o.validate() }
    }
}
