import Testing
@testable import NNCodecCommands

@Suite("training-time pruning arguments")
struct TrainPruneArgumentTests {
    static let base = ["prune", "m.onnx", "--method", "lobster", "--data", "x.npy", "--labels", "y.npy", "-o", "out.onnx"]

    @Test("--epsilon reaches the threshold search of lobster/serene/l2 (it was dropped before)")
    func epsilon() throws {
        let c = try #require(try NNCodecCLI.parseAsRoot(Self.base + ["--epsilon", "1e-5", "--twt", "0.1"]) as? PruneCommand)
        #expect(c.training.options(c.pruning).epsilon == 1e-5)
        let d = try #require(try NNCodecCLI.parseAsRoot(Self.base) as? PruneCommand)
        #expect(d.training.options(d.pruning).epsilon == 1e-3)
    }

    @Test("an --epsilon outside (0, 0.5) and other settings out of range are refused with the flag's name")
    func refused() {
        #expect(ArgumentTests.refusal(Self.base + ["--epsilon", "0.7"]) == "--epsilon: must be in (0, 0.5), got 0.7")
        #expect(ArgumentTests.refusal(Self.base + ["--lambda", "2"]) == "--lambda: must be in [0, 1) (the share of a weight removed per step), got 2.0")
        #expect(ArgumentTests.refusal(Self.base + ["--max-seconds", "0"]) == "--max-seconds: must be a positive number of seconds, got 0.0")
        #expect(ArgumentTests.refusal(Self.base + ["--target-ratio", "0.5"]) == "--target-ratio: must be a compression ratio of at least 1, got 0.5")
        #expect(ArgumentTests.refusal(Self.base + ["--target-neurons", "1.5"]) == "--target-neurons: must be a fraction in (0, 1], got 1.5")
    }

    @Test("--target-ratio and --target-neurons set the size and structure budgets")
    func budgets() throws {
        let c = try #require(try NNCodecCLI.parseAsRoot(Self.base + ["--target-ratio", "80", "--target-neurons", "0.5"]) as? PruneCommand)
        let o = c.training.options(c.pruning)
        #expect(o.targetRatio == 80 && o.targetNeuronShare == 0.5)
        let d = try #require(try NNCodecCLI.parseAsRoot(Self.base) as? PruneCommand)
        #expect(d.training.options(d.pruning).targetRatio == nil && d.training.options(d.pruning).targetNeuronShare == nil)
    }

    @Test("--split-seed sets the validation split's seed; without it the split follows --seed")
    func splitSeed() throws {
        let c = try #require(try NNCodecCLI.parseAsRoot(Self.base + ["--seed", "2", "--split-seed", "0"]) as? PruneCommand)
        let o = c.training.options(c.pruning)
        #expect(o.seed == 2 && o.splitSeed == 0)
        let d = try #require(try NNCodecCLI.parseAsRoot(Self.base + ["--seed", "2"]) as? PruneCommand)
        #expect(d.training.options(d.pruning).splitSeed == nil)
    }
}
