import CABAC
import Foundation
import Testing
@testable import Codec

/// Our decoder against NNCodec 2.1.3's own streams and decoded tensors.
@Suite("NNCodec 2.1.3 fixtures")
struct NNRFixtureTests {
    @Test("manifest present and complete")
    func manifest() throws {
        let m = try NNCFixtureManifest.load()
        #expect(m.streams.filter { $0.file.hasPrefix("random/qp") }.count >= 32)
    }

    @Test("decoded tensors match NNCodec bit-exactly", arguments: NNCFixtureManifest.streams)
    func decodesLikeNNCodec(_ stream: NNCFixtureManifest.Stream) throws {
        let bytes = try NNCFixtureManifest.bytes(stream.file)
        let bitstream = try NNRBitstream.parse(bytes)
        #expect(bitstream.profile == 1)
        #expect(bitstream.topologyUnits == [.nnCodecDefault])
        #expect(bitstream.tensors.map(\.name) == stream.tensors.map(\.name))
        for expected in stream.tensors {
            let ours = try #require(bitstream.tensors.first { $0.name == expected.name })
            #expect(ours.dimensions == expected.shape, "\(expected.name)")
            switch ours.values {
            case .float32: #expect(expected.dtype == "float32", "\(expected.name)")
            case .int32: #expect(expected.dtype == "int32", "\(expected.name)")
            }
            let ourBytes = littleEndianBytes(ours.values)
            if let file = expected.data {
                let reference = try NNCFixtureManifest.bytes(file)
                let diff = firstDifference(ourBytes, reference, dtype: expected.dtype)
                #expect(diff == nil, "\(stream.file) \(expected.name): \(diff ?? "")")
            }
            #expect(fnv1a64(ourBytes) == expected.fnv1a64, "\(stream.file) \(expected.name)")
        }
    }

    @Test("re-encoding NNCodec's levels with its settings reproduces its stream byte for byte",
          arguments: NNCFixtureManifest.streams)
    func reencodesLikeNNCodec(_ stream: NNCFixtureManifest.Stream) throws {
        let bytes = try NNCFixtureManifest.bytes(stream.file)
        let bitstream = try NNRBitstream.parse(bytes)
        var inputs: [NNRTensorInput] = []
        for (unit, tensor) in zip(bitstream.units.compactMap({ u -> NNRCompressedDataUnit? in
            if case .compressedData(let n) = u.body { return n } else { return nil }
        }), bitstream.tensors) {
            let coding = TensorCodingOptions(
                dependentQuantization: unit.header.dqFlag,
                unaryLength: unit.header.cabacUnaryLengthMinus1 + 1,
                rowSkipping: stream.settings.row_skipping != 0,
                optimizeInitialization: stream.settings.param_opt != 0,
                scanOrder: unit.header.scanOrder)
            let data: NNRTensorInput.Data
            switch tensor.payloadType {
            case .float: data = .quantized(levels: tensor.levels, qp: try #require(tensor.qp))
            case .int: data = .integers(tensor.levels)
            default: Issue.record("unexpected payload type"); return
            }
            inputs.append(NNRTensorInput(name: tensor.name, dimensions: tensor.dimensions, data: data, coding: coding))
        }
        // NNCodec 2.1.3's trellis quantizer does not know that a skipped row segment of a
        // block scan moves the DQ state by a whole row of zeros, so with block scan + DQ + row
        // skipping its encoder can be handed levels of the wrong parity, which it silently
        // codes as something else. Its decoded levels then cannot re-create its stream.
        let nncodecQuirk = (stream.settings.scan_order ?? 0) > 0 && stream.settings.use_dq != 0
            && stream.settings.row_skipping != 0
        var written: [UInt8] = []
        var failure: NNRError? = nil
        do throws(NNRError) { written = try NNRWriter().write(inputs) } catch { failure = error }
        if let failure {
            if nncodecQuirk {
                withKnownIssue("NNCodec 2.1.3 block scan + DQ + row skipping") { Issue.record("\(failure)") }
                return
            }
            throw failure
        }
        let ours = written
        if ours != bytes {
            let i = (0..<min(ours.count, bytes.count)).first { ours[$0] != bytes[$0] } ?? min(ours.count, bytes.count)
            Issue.record("\(stream.file): first difference at byte \(i) (ours \(ours.count) bytes, NNCodec \(bytes.count))")
        }
    }
}

/// The decode path that drops levels (`keepLevels: false`, as `nncodec decode` runs it)
/// writes FLOAT values straight from the level loop; the same NNCodec fixtures check it.
@Suite("NNCodec 2.1.3 fixtures, values without levels")
struct NNRFixtureValueTests {
    @Test("values decoded without levels match NNCodec bit-exactly, one and two threads",
          arguments: NNCFixtureManifest.streams)
    func decodesLikeNNCodec(_ stream: NNCFixtureManifest.Stream) throws {
        let bytes = try NNCFixtureManifest.bytes(stream.file)
        for threads in [1, 2] {
            var seen: [String] = []
            try NNRBitstream.decode(bytes, threads: threads, keepLevels: false) { tensor, _ in
                seen.append(tensor.name)
                #expect(tensor.levels.isEmpty, "\(tensor.name)")
                guard let expected = stream.tensors.first(where: { $0.name == tensor.name }) else {
                    Issue.record("unexpected tensor \(tensor.name)")
                    return
                }
                #expect(fnv1a64(littleEndianBytes(tensor.values)) == expected.fnv1a64, "\(stream.file) \(tensor.name)")
            }
            #expect(seen == stream.tensors.map(\.name))
        }
    }
}
