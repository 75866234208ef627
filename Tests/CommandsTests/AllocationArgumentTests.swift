import Testing
@testable import NNCodecCommands

@Suite struct AllocationArgumentTests {
    static func refusal(_ args: [String]) -> String? { ArgumentTests.refusal(args) }

    @Test("rate-allocation budgets need their data and exclude fixed qps")
    func refused() {
        #expect(Self.refusal(["encode", "m.onnx", "--max-drop", "0.1"]) == "a budget is measured on data: add --data X.npy")
        #expect(Self.refusal(["encode", "m.onnx", "--max-drop", "0.1", "--data", "x.npy"])
                == "--max-drop compares top-1 with labels: add --labels Y.npy (or use --min-agreement)")
        #expect(Self.refusal(["encode", "m.onnx", "--max-drop", "0.1", "--min-cosine", "0.99", "--data", "x.npy"])
                == "give only one of --max-drop, --min-agreement and --min-cosine")
        #expect(Self.refusal(["encode", "m.onnx", "--min-agreement", "0.99", "--data", "x.npy", "-q", "8"])
                == "the budget chooses the qps; drop -q/--qp")
        #expect(Self.refusal(["encode", "m.onnx", "--val-split", "0.5"]) == "--val-split goes with --max-drop, --min-agreement or --min-cosine")
        #expect(Self.refusal(["encode", "m.onnx", "--choose-dq"]) == "--choose-dq goes with --max-drop, --min-agreement or --min-cosine")
        #expect(Self.refusal(["encode", "m.onnx", "--min-agreement", "0.99", "--data", "x.npy"]) == nil)
        #expect(Self.refusal(["sweep", "m.onnx", "--data", "x.npy", "--labels", "y.npy", "--allocated", "0.1,x"])
                == "--allocated takes a list of top-1 drops in points (0.1,0.5,1), not '0.1,x'")
    }
}
