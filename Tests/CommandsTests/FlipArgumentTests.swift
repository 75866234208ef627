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
}
