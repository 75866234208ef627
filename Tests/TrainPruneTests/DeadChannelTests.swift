import Foundation
import ONNXIO
import Prune
import Runtime
import Testing
import Train
@testable import TrainPrune

/// Dead-neuron removal through Conv → Relu → MaxPool → Conv and Conv → Relu → MaxPool →
/// Flatten → Gemm (LeNet-5): it must not change the network's outputs, and the simplified
/// model must equal the pruned one.
@Suite struct DeadChannelTests {
    static func outputs(_ m: Model, _ x: NDArray) throws -> [Float] {
        try Session(model: m).run([x]).values.first!.floats
    }

    @Test func convChannelsThroughPoolAndFlatten() throws {
        let m = try Model.load(path: Paths.testdata("lenet5.onnx"))
        let g = try GradientGraph(model: m)
        let layers = try PrunableLayer.find(m, parameters: g.parameters)
        let dead = DeadNeurons(layers, graph: m.graph!)
        #expect(dead.pairs.map { "\($0.producer.layer.weight)→\($0.consumer.layer.weight)" } == ["conv1.weight→conv2.weight", "conv2.weight→fc1.weight", "fc1.weight→fc2.weight"])
        #expect(dead.pairs.map(\.spread) == [1, 16, 1])
        var p = g.parameters
        func edit(_ name: String, _ f: (inout [Float], [Int]) -> Void) {
            var v = p[name]!.floats
            f(&v, p[name]!.shape)
            p[name] = NDArray(shape: p[name]!.shape, floats: v)
        }
        // conv1 channel 3: no incoming weight, bias ≤ 0 → conv2's input channel 3 goes.
        edit("conv1.weight") { v, _ in for i in 75..<100 { v[i] = 0 } }
        edit("conv1.bias") { v, _ in v[3] = -0.25 }
        // conv2 channel 7: no outgoing weight (fc1 columns 7·16 ..< 8·16) → its filter goes.
        edit("fc1.weight") { v, s in for r in 0..<s[0] { for c in 112..<128 { v[r * s[1] + c] = 0 } } }
        // conv2 channel 9: no incoming weight, bias ≤ 0 → fc1 columns 144 ..< 160 go.
        edit("conv2.weight") { v, _ in for i in 9 * 500..<10 * 500 { v[i] = 0 } }
        edit("conv2.bias") { v, _ in v[9] = 0 }
        g.parameters = p
        let pruned = try g.updatedModel()
        let zeroed = dead.apply(&p)
        // (conv2's filter 9 already lacks its input channel 3, filter 7 loses it in the first pair)
        #expect(zeroed == 49 * 25 + 1 + 19 * 25 + 1 + 500 * 16)
        #expect(p["conv2.weight"]!.floats[(7 * 20) * 25..<(8 * 20) * 25].allSatisfy { $0 == 0 })
        #expect((0..<50).allSatisfy { o in p["conv2.weight"]!.floats[(o * 20 + 3) * 25..<(o * 20 + 4) * 25].allSatisfy { $0 == 0 } })
        g.parameters = p
        let cleaned = try g.updatedModel()
        let x = try NPY.read(path: Paths.testdata("digits_test_x28.npy")).cast(to: .float32).slice(rows: 0..<32)
        let a = try Self.outputs(pruned, x), b = try Self.outputs(cleaned, x)
        #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($0)) })
        let simple = try Simplifier.simplify(cleaned).0
        let stats = try WeightedLayer.stats(simple)
        #expect(stats.map(\.neurons) == [19, 48, 500, 10])
        let c = try Self.outputs(simple, x)
        #expect(zip(a, c).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($0)) })
    }
}
