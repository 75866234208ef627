import CABAC
import Foundation
import Testing
@testable import Codec

/// Our quantizers against NNCodec 2.1.3 on LeNet-300-100 (testdata/quant/lenet300_nnc.json,
/// made by scripts/make_quant_fixtures.py): same settings, same tensors.
enum QuantNNCodecComparison {
    struct Fixture: Decodable {
        struct Run: Decodable {
            struct Tensor: Decodable { var name: String; var mse: Double; var fnv1a64: String }
            var use_dq: Int
            var lambda_scale: Double
            var qp: Int
            var nonweight_qp: Int
            var bytes: Int
            var fnv1a64: String
            var tensors: [Tensor]
        }
        var runs: [Run]
    }

    struct Result {
        var ourBytes: Int
        var theirBytes: Int
        var ourSquaredError: Double
        var theirSquaredError: Double
        var parameters: Int
    }

    /// Quantizes and writes the stream as NNCodec does at these settings, compares, returns sizes.
    @discardableResult
    static func check(dq: Bool, lambdaScale: Double, exactLevels: Bool) throws -> Result {
        let url = QuantFixtures.root.appendingPathComponent("testdata/quant/lenet300_nnc.json")
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        let run = try #require(fixture.runs.first { ($0.use_dq != 0) == dq && $0.lambda_scale == lambdaScale })
        var inputs: [NNRTensorInput] = []
        var result = Result(ourBytes: 0, theirBytes: run.bytes, ourSquaredError: 0, theirSquaredError: 0, parameters: 0)
        for (name, dims, values) in try QuantFixtures.lenet300() {
            let expected = try #require(run.tensors.first { $0.name == name })
            let step = try #require(QuantStep(qp: dims.count >= 2 ? run.qp : run.nonweight_qp))
            let q: QuantizedTensor = dq
                ? try DependentQuantizer(step: step, lambdaScale: lambdaScale).quantize(values)
                : try RDOQuantizer(step: step, lambdaScale: lambdaScale).quantize(values)
            let rec = q.reconstructed()
            if exactLevels {
                #expect(fnv1a64(littleEndianBytes(.float32(rec))) == expected.fnv1a64, "\(name): levels differ from NNCodec's")
            }
            let se = QuantFixtures.meanSquaredError(values, rec) * Double(values.count)
            result.ourSquaredError += se
            result.theirSquaredError += expected.mse * Double(values.count)
            result.parameters += values.count
            inputs.append(NNRTensorInput(name: name, dimensions: dims, data: .quantized(levels: q.levels, qp: step.qp),
                                         coding: TensorCodingOptions(dependentQuantization: dq)))
        }
        let stream = try NNRWriter().write(inputs)
        result.ourBytes = stream.count
        if exactLevels {
            #expect(fnv1a64(stream) == run.fnv1a64, "stream differs from NNCodec's")
        }
        // The project's bound: no more than 0.5% larger than NNCodec at the same settings,
        // at no more than 1% more squared error.
        #expect(Double(result.ourBytes) <= 1.005 * Double(run.bytes), "ours \(result.ourBytes) NNCodec \(run.bytes)")
        #expect(result.ourSquaredError <= 1.01 * result.theirSquaredError)
        print("QUANT_NNC dq \(dq) lambda_scale \(lambdaScale): ours \(result.ourBytes) bytes " +
              "(\(String(format: "%.4f", 8 * Double(result.ourBytes) / Double(result.parameters))) bit/param, " +
              "MSE \(result.ourSquaredError / Double(result.parameters))), NNCodec \(run.bytes) bytes " +
              "(\(String(format: "%.4f", 8 * Double(run.bytes) / Double(result.parameters))) bit/param, " +
              "MSE \(result.theirSquaredError / Double(result.parameters)))")
        return result
    }
}
