import Codec
import Foundation
import ONNXIO
import Testing
import TestSupport

/// An allocated stream (per-tensor qps, DQ, no topology) that NNCodec 2.1.3 decoded when
/// scripts/make-rate-fixture.sh made it: our decoder must give NNCodec's values bit for bit,
/// and the encoder must reproduce the stream from the recorded options.
@Suite struct RateFixtureTests {
    struct Fixture: Decodable {
        struct Decoded: Decodable { var dtype: String; var shape: [Int]; var sha256: String }
        var stream: String
        var model: String
        var qp: Int
        var dependentQuantization: Bool
        var tensorQps: [String: Int]
        var nncodec_decoded: [String: Decoded]
    }

    static func fixture() throws -> Fixture {
        let json = try Data(contentsOf: URL(fileURLWithPath: TestData.path("rate/concat_dw_alloc.json")))
        return try JSONDecoder().decode(Fixture.self, from: json)
    }

    @Test func nncodecDecodesWhatWeDecode() throws {
        let f = try Self.fixture()
        let bytes = try FileIO.read(TestData.path("rate/" + f.stream)).array
        let graph = try Model.load(path: TestData.path(f.model))
        let model = try ModelDecoder.decode(bytes, source: f.stream, graph: graph).model
        #expect(Set(f.tensorQps.values).count > 1)
        for (name, want) in f.nncodec_decoded {
            let t = try #require(model.graph?.initializers.first { $0.name == name }, "\(name) missing")
            let values = try t.floatValues()
            var le = [UInt8]()
            for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { le += $0 } }
            #expect(SHA256.hex(le) == want.sha256, "tensor \(name) differs from NNCodec's decode")
        }
    }

    @Test func encoderReproducesTheStream() throws {
        let f = try Self.fixture()
        var o = EncodeOptions()
        o.qp = f.qp
        o.tensorQps = f.tensorQps
        o.dependentQuantization = f.dependentQuantization
        o.carryTopology = false
        let model = try Model.load(path: TestData.path(f.model))
        let bytes = try ModelEncoder(options: o).encode(model).bytes
        #expect(bytes == (try FileIO.read(TestData.path("rate/" + f.stream)).array))
    }
}
