import Testing
@testable import NNCodecCommands

@Suite("flip-frequency arguments")
struct FlipArgumentTests {
    static let base = ["prune", "m.onnx", "--method", "flip-frequency", "--data", "x.npy", "--labels", "y.npy", "-o", "out.onnx"]

    @Test("--final-epochs, --retrain-lr and --max-rounds 0 are accepted and reach the options")
    func accepted() throws {
        let c = try #require(try NNCodecCLI.parseAsRoot(Self.base + ["--final-epochs", "12", "--max-rounds", "0", "--retrain-lr", "0.005"]) as? PruneCommand)
        let o = c.flip.options(c.training)
        #expect(o.finalEpochs == 12 && o.maxRounds == 0 && o.retrainLearningRate == 0.005 && o.learningRate == 1e-3)
    }

    @Test("negative --final-epochs or --max-rounds, a zero --retrain-lr are refused with the flag's name")
    func refused() {
        #expect(ArgumentTests.refusal(Self.base + ["--final-epochs=-1"]) == "--final-epochs: must not be negative, got -1")
        #expect(ArgumentTests.refusal(Self.base + ["--max-rounds=-3"]) == "--max-rounds: must not be negative, got -3")
        #expect(ArgumentTests.refusal(Self.base + ["--retrain-lr", "0"]) == "--retrain-lr: must be positive, got 0.0")
    }

    @Test("the lobster/serene budgets and stops are refused by name instead of being ignored")
    func trainPruneOnlyFlags() {
        let tail = " (its stop is --delta-acc, its budget --max-rounds)"
        #expect(ArgumentTests.refusal(Self.base + ["--target-ratio", "50"]) == "--method flip-frequency does not take --target-ratio" + tail)
        #expect(ArgumentTests.refusal(Self.base + ["--target-top1", "0.9", "--target-neurons", "0.5", "--lambda", "1e-4"])
                == "--method flip-frequency does not take --lambda, --target-top1, --target-neurons" + tail)
        #expect(ArgumentTests.refusal(Self.base + ["--split-seed", "1", "--max-seconds", "60", "--no-last-layer-penalty"])
                == "--method flip-frequency does not take --max-seconds, --split-seed, --no-last-layer-penalty" + tail)
    }
}
