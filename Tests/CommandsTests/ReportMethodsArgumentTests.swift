import ArgumentParser
import Testing
@testable import NNCodecCommands

/// `report --methods LABEL=PRUNED.onnx[@LOG.json] …` parsing and refusals.
@Suite struct ReportMethodsArgumentTests {
    @Test func methodSpecsParse() throws {
        let c = try #require(try NNCodecCLI.parseAsRoot(["report", "m.onnx", "--data", "x.npy", "--labels", "y.npy",
                                                          "--methods", "lobster=a.onnx@a.json", "serene=b.onnx", "--svg", "f.svg",
                                                          "--curve-steps", "15", "8"]) as? ReportCommand)
        #expect(c.methods.count == 2 && c.svg == "f.svg" && c.curveSteps == [15, 8])
        let a = try ReportCommand.methodSpec(c.methods[0]), b = try ReportCommand.methodSpec(c.methods[1])
        #expect(a.label == "lobster" && a.model == "a.onnx" && a.log == "a.json")
        #expect(b.label == "serene" && b.model == "b.onnx" && b.log == nil)
        #expect(throws: ValidationError.self) { try ReportCommand.methodSpec("no-label.onnx") }
    }

    @Test func refused() {
        #expect(ArgumentTests.refusal(["report", "m.onnx", "--data", "x.npy", "--labels", "y.npy", "--svg", "f.svg"]) == "--svg goes with --methods")
        #expect(ArgumentTests.refusal(["report", "m.onnx", "--data", "x.npy", "--labels", "y.npy", "--methods", "a=b.onnx", "--format", "csv"])
                == "--methods writes markdown or json")
    }
}
