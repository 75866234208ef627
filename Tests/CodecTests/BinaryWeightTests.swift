import Foundation
import ONNXIO
import Testing
@testable import Codec

/// ±1 weight tensors (binary networks after `simplify` folds their Sign) are coded at step 1.
@Suite struct BinaryWeightTests {
    @Test func plusMinusOneCostsAboutOneBitLossless() throws {
        var state: UInt64 = 12345
        let n = 64 * 256
        let signs: [Float] = (0..<n).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (state >> 33) & 1 == 0 ? 1 : -1
        }
        var g = Graph(name: "bnn")
        g.nodes = [Node(opType: "MatMul", inputs: ["x", "w"], outputs: ["y"], name: "mm")]
        g.inputs = [ValueInfo(name: "x", type: TypeProto(value: .tensor(elemType: 1, shape: TensorShape(dims: [.symbol("N"), .fixed(64)]))))]
        g.outputs = [ValueInfo(name: "y", type: TypeProto(value: .tensor(elemType: 1, shape: TensorShape(dims: [.symbol("N"), .fixed(256)]))))]
        g.initializers = [Tensor(name: "w", dims: [64, 256], floats: signs)]
        let model = Model(irVersion: 8, opsetImports: [OperatorSetID(domain: "", version: 17)], graph: g)
        let (bytes, report) = try ModelEncoder(options: EncodeOptions()).encode(model)
        let t = try #require(report.tensors.first { $0.name == "w" })
        #expect(t.qp == 0 && t.maxError == 0)
        #expect(t.bitsPerParameter <= 1.1)
        let decoded = try ModelDecoder.decode(bytes, source: "bnn").model
        #expect(try decoded.graph!.initializer(named: "w")!.floatValues() == signs)
    }

    @Test func onlyExactSignsCount() {
        #expect(WeightQuantizer.isBinary([1, -1, 1]))
        #expect(!WeightQuantizer.isBinary([1, 0, -1]))
        #expect(!WeightQuantizer.isBinary([1]))
        #expect(!WeightQuantizer.isBinary([1, -1, 0.5]))
    }
}
