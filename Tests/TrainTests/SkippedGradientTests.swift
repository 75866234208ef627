import ONNXIO
import Runtime
import Testing
@testable import Train

/// The backward pass computes only gradients that reach a requested value: asking for fewer
/// values gives the same bits for the ones asked for (the rules skip, they do not change).
@Suite struct SkippedGradientTests {
    @Test func fewerTargetsSameBits() throws {
        let m = try TrainerTests.model("lenet5")
        let layers = m.graph!.nodes.filter { $0.opType == "Conv" || $0.opType == "Gemm" }.map(\.outputs[0])
        let g = try GradientGraph(model: m, extraSources: layers)
        g.parallel = false
        let d = try TrainerTests.digits("test", limit: 8)
        let tape = try g.forward(inputs: [g.inputNames[0]: d.inputs], keep: layers)
        let out = g.objectiveValues[0]
        let seed = [out: Losses.mean(of: tape.values[out]!).gradient]
        let all = try g.backward(tape, seeds: seed, wrt: g.trainable + layers)
        // Pre-activations only (SeReNe's sensitivity pass): no weight gradients, same values.
        let hidden = try g.backward(tape, seeds: seed, wrt: layers)
        #expect(Set(hidden.keys) == Set(layers))
        for v in layers { #expect(hidden[v] == all[v], "\(v)") }
        #expect(hidden[layers[0]]?.f.contains { $0 != 0 } == true)
        // Weights only (a training step): same values as with the intermediates asked too.
        let weights = try g.backward(tape, seeds: seed)
        #expect(Set(weights.keys) == Set(g.trainable))
        for w in g.trainable { #expect(weights[w] == all[w], "\(w)") }
    }
}
