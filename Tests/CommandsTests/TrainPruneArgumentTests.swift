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
