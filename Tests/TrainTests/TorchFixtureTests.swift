import Foundation
import ONNXIO
import Runtime
import Testing
@testable import Train

enum Paths {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()
    static func testdata(_ rel: String) -> String { root + "/testdata/" + rel }
}

/// Whole-model gradients against PyTorch autograd (float64, training mode) on a fixed batch:
/// fixtures made by scripts/make_grad_fixtures.py.
@Suite struct TorchFixtureTests {
    static let models = ["lenet300", "lenet5", "resnet_small", "concat_dw", "tiny_bert", "bnn_lenet5", "bnn_nin"]

    @Test(arguments: models) func gradientsMatchAutograd(_ name: String) throws {
        let fx = try NPY.readArchive(path: Paths.testdata("train/\(name)_grads.npz"))
        let graph = try GradientGraph(model: try Model.load(path: Paths.testdata("\(name).onnx")))
        let input = graph.inputNames[0]
        let tape = try graph.forward(inputs: [input: fx["input"]!], training: true)
        let out = graph.objectiveValues[0]
        let loss = try Losses.crossEntropy(logits: tape.values[out]!, labels: fx["labels"]!.int64s[...])
        let refLoss = Double(fx["loss"]!.f[0])
        #expect(abs(loss.value - refLoss) <= 1e-4 * max(abs(refLoss), 1e-3), "loss \(loss.value) vs \(refLoss)")
        let grads = try graph.backward(tape, seeds: [out: loss.gradient])
        var compared = 0
        // A bias followed by BatchNorm (the binary networks' first Conv) has an exactly zero
        // gradient; its float32 round-off is compared to the model's largest gradient instead.
        let modelScale = fx.filter { $0.key.hasPrefix("grad.") }.map { $0.value.f.map(abs).max() ?? 0 }.max() ?? 0
        for (key, ref) in fx where key.hasPrefix("grad.") {
            let t = String(key.dropFirst(5))
            let g = try #require(grads[t], "no gradient for \(t)").f
            let ours = fx["index." + t].map { $0.int64s.map { g[Int($0)] } } ?? g
            let want = ref.f
            let scale = want.map(abs).max() ?? 0
            let err = zip(ours, want).map { abs($0 - $1) }.max() ?? 0
            // Relative to the tensor's largest gradient; the floor covers tensors whose exact
            // gradient is zero (attention key biases: softmax ignores a shift).
            let bound = scale < 1e-12 ? 1e-5 * modelScale : 1e-4 * max(scale, 1e-7)
            #expect(ours.count == want.count && err <= bound, "\(name) \(t): max |diff| \(err), max |ref| \(scale)")
            compared += 1
        }
        #expect(compared == graph.trainable.count, "\(compared) fixture gradients for \(graph.trainable.count) trainable tensors")
        graph.commitState(tape)
        for (key, ref) in fx where key.hasPrefix("state.") {
            let v = try #require(graph.parameters[String(key.dropFirst(6))]).f
            let err = zip(v, ref.f).map { abs($0 - $1) }.max() ?? 0
            #expect(err <= 1e-4 * max(ref.f.map(abs).max() ?? 0, 1), "\(name) \(key): running statistic off by \(err)")
        }
    }
}
