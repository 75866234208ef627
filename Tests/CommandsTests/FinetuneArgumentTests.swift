import Testing
@testable import NNCodecCommands

@Suite("finetune arguments")
struct FinetuneArgumentTests {
    static let base = ["finetune", "m.onnx", "--data", "x.npy", "--labels", "y.npy", "-o", "out.onnx"]

    @Test("--split-seed keeps prune's validation rows while --seed orders training")
    func splitSeed() throws {
        let c = try #require(try NNCodecCLI.parseAsRoot(Self.base + ["--epochs", "5", "--seed", "7", "--split-seed", "0", "--keep-sparsity"]) as? FinetuneCommand)
        let r = try c.request()
        #expect(r.splitSeed == 0 && r.options.seed == 7 && r.options.keepSparsity)
        let d = try #require(try NNCodecCLI.parseAsRoot(Self.base + ["--epochs", "5", "--seed", "7"]) as? FinetuneCommand)
        #expect(try d.request().splitSeed == nil)
    }

    @Test("epochs, rate, batch, patience, split and decay out of range are refused with the flag's name")
    func refused() {
        let ok = Self.base + ["--epochs", "5"]
        #expect(ArgumentTests.refusal(Self.base + ["--epochs", "0"]) == "--epochs: must be at least 1, got 0")
        #expect(ArgumentTests.refusal(ok + ["--lr", "0"]) == "--lr: must be a positive number, got 0.0")
        #expect(ArgumentTests.refusal(ok + ["--lr", "nan"]) == "--lr: must be a positive number, got nan")
        #expect(ArgumentTests.refusal(ok + ["--batch", "0"]) == "--batch: must be at least 1, got 0")
        #expect(ArgumentTests.refusal(ok + ["--patience", "0"]) == "--patience: must be at least 1 epoch, got 0")
        #expect(ArgumentTests.refusal(ok + ["--val-split", "1"]) == "--val-split: must be in [0, 1), got 1.0")
        #expect(ArgumentTests.refusal(ok + ["--weight-decay=-1"]) == "--weight-decay: must not be negative, got -1.0")
        #expect(ArgumentTests.refusal(ok) == nil)
    }
}
