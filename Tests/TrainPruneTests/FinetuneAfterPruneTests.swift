import Foundation
import ONNXIO
import Runtime
import Testing
import Train
@testable import TrainPrune

/// The thesis's last step (Algorithm 1: prune, then fine-tune): `Finetune` with the mask on a
/// pruned LeNet-300 keeps every zero — weights and the biases of removed neurons — exactly
/// zero, so ratio and live neurons stay; the written checkpoint is the best validation loss.
@Suite struct FinetuneAfterPruneTests {
    /// The held-out LeNet-300 with fc1 neurons 0..<150 and fc2 neurons 0..<50 removed (weights
    /// and bias), 95% of the remaining weights zeroed by magnitude and the last neuron's bias
    /// zeroed: a pruned model's zeros.
    static func prunedModel() throws -> (path: String, layers: [PrunableLayer], params: [String: NDArray]) {
        let m = try Model.load(path: Paths.testdata("lenet300_heldout.onnx"))
        let g = try GradientGraph(model: m)
        let layers = try PrunableLayer.find(m, parameters: g.parameters)
        for (l, removed) in zip(layers.prefix(2), [150, 50]) {
            var w = g.parameters[l.layer.weight]!
            let kept = w.floats.map(abs).sorted()[Int(Double(w.count) * 0.95)]
            var v = w.floats
            for i in v.indices where abs(v[i]) < kept || l.weightNeuron(i) < removed { v[i] = 0 }
            w = NDArray(shape: w.shape, floats: v)
            g.parameters[l.layer.weight] = w
            let bname = try #require(l.layer.bias)
            var b = g.parameters[bname]!.floats
            for j in 0..<removed { b[j] = 0 }
            b[b.count - 1] = 0  // a live neuron's bias pruned alone (LOBSTER thresholds biases too)
            g.parameters[bname] = NDArray(shape: g.parameters[bname]!.shape, floats: b)
        }
        let path = Paths.temporary("ft-pruned.onnx")
        try g.updatedModel().save(to: path, options: SaveOptions(externalData: .keep, dataFileName: "ft-pruned.onnx.data"))
        return (path, layers, g.parameters)
    }

    static func finetune(_ model: String, _ out: String, mask: Bool) throws -> (Finetune.Result, [String: NDArray]) {
        var r = Finetune.Request(model: model, data: Paths.testdata("digits_train_x28.npy"), output: Paths.temporary(out))
        r.labels = Paths.testdata("digits_train_y.npy")
        r.validationSplit = 0.2; r.splitSeed = 0
        r.options.seed = 7; r.options.learningRate = 0.01; r.options.batchSize = 32
        r.options.epochs = 3; r.options.patience = 3; r.options.keepSparsity = mask
        let result = try Finetune.run(r)
        return (result, try GradientGraph(model: try Model.load(path: r.output)).parameters)
    }

    @Test func maskKeepsEveryZeroAndTheLiveNeurons() throws {
        let (path, layers, start) = try Self.prunedModel()
        let before = SparsityCount(layers, start)
        #expect(before.neurons[0] == 150 && before.neurons[1] == 50)
        let (r, after) = try Self.finetune(path, "ft-masked.onnx", mask: true)
        var zeros = 0, moved = 0
        for l in layers {
            for name in [l.layer.weight] + (l.layer.bias.map { [$0] } ?? []) {
                let a = start[name]!.floats, b = after[name]!.floats
                for i in a.indices { if a[i] == 0 { zeros += 1; #expect(b[i] == 0, "\(name)[\(i)] revived") } else if a[i] != b[i] { moved += 1 } }
            }
        }
        #expect(r.maskedWeights == zeros && r.maskViolations == 0)
        #expect(moved > 0)  // it trained
        let count = SparsityCount(layers, after)
        #expect(count.neurons == before.neurons && count.nonzero == before.nonzero)
        let rep = r.report
        #expect(rep.bestValidationLoss! <= rep.initialValidationLoss!)
        #expect(rep.bestValidationLoss! < rep.initialValidationLoss!, "the pruned start should be improvable")
        #expect(r.trainSamples == 1078 && r.validationSamples == 269)
    }

    /// Without the mask pruned weights and the pruned bias come back (removed neurons behind a
    /// ReLU get no gradient either way): the mask is what keeps the ratio.
    @Test func withoutTheMaskPrunedWeightsAndBiasesRevive() throws {
        let (path, layers, start) = try Self.prunedModel()
        let (_, after) = try Self.finetune(path, "ft-free.onnx", mask: false)
        #expect(SparsityCount(layers, after).nonzero > SparsityCount(layers, start).nonzero)
        let bias = try #require(layers[0].layer.bias)
        #expect(start[bias]!.floats.last == 0 && after[bias]!.floats.last != 0)
    }

    /// `splitSeed` gives prune's validation rows (`--split-seed 0`) whatever the training seed.
    @Test func splitSeedKeepsPrunesRows() throws {
        var r = Finetune.Request(model: Paths.testdata("lenet300_heldout.onnx"), data: Paths.testdata("digits_train_x28.npy"), output: "unused")
        r.labels = Paths.testdata("digits_train_y.npy"); r.validationSplit = 0.2
        let g = try GradientGraph(model: try Model.load(path: r.model))
        r.options.seed = 0
        let reference = try Finetune.datasets(r, graph: g).1!
        r.options.seed = 7; r.splitSeed = 0
        let kept = try Finetune.datasets(r, graph: g).1!
        r.splitSeed = nil
        let other = try Finetune.datasets(r, graph: g).1!
        #expect(kept.labels! == reference.labels! && kept.inputs.floats == reference.inputs.floats)
        #expect(other.inputs.floats != reference.inputs.floats)
    }
}
