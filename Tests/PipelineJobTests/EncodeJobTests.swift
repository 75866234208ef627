import Codec
import Foundation
import ONNXIO
import Pipeline
import Prune
import Testing
import TestSupport

/// The library jobs behind the CLI: the same bytes as the encoder itself, reports filled.
@Suite struct EncodeJobTests {
    static func folder() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nncodec-job-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func encodeJobWritesTheGoldenStream() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = EncodeOptions()
        options.unaryLength = 11   // as the golden entry (recorded with NNCodec's G)
        let job = EncodeJob(model: TestData.path("lenet300.onnx"), output: dir + "/l.nnc", options: options)
        let r = try Pipeline.encode(job)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/l.nnc")))
        // The "lenet300 qp-38" entry of GoldenStreamTests.
        #expect(SHA256.hex(bytes) == "eac28ead01653d955dfecf148721b990484f947e22bce665c7dae21ea7442502")
        #expect(r.bitstreamBytes == bytes.count && r.onnxBytes == 1_067_239)
        #expect(r.comparison == nil && r.sizes == nil)
    }

    @Test func prunedJobReportsTheComparison() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var job = EncodeJob(model: TestData.path("lenet5.onnx"), output: dir + "/l.nnc", options: EncodeOptions(q: 6))
        job.pruning = PruneOptions(criterion: .structured, target: .sparsity(0.5))
        job.simplify = true
        let r = try Pipeline.encode(job)
        let c = try #require(r.comparison)
        #expect(c.neuronsBefore == "[20]-[50]-[500]-[10]")
        #expect(c.parametersAfter < c.parametersBefore)
        #expect(r.simplification != nil && r.pruning != nil)
    }

    @Test func sizesOfAMissingFileNameIt() {
        let e = #expect(throws: ONNXError.self) { try Pipeline.sizes(of: "/nonexistent-nncodec/m.onnx") }
        #expect(e?.kind == .fileNotFound)
    }
}
