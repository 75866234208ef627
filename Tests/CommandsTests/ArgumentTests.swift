import ArgumentParser
import Codec
import Prune
import Foundation
import Testing
@testable import NNCodecCommands

@Suite("command arguments")
struct ArgumentTests {
    @Test("-q N is step 2^-N: qp = -4N at density 2, and -N at density 0")
    func stepMapping() throws {
        let a = try #require(try NNCodecCLI.parseAsRoot(["encode", "m.onnx", "-q", "15"]) as? EncodeCommand)
        #expect(try a.options().qp == -60)
        #expect(try a.options().weightStep == 0x1p-15)
        let b = try #require(try NNCodecCLI.parseAsRoot(["encode", "m.onnx", "-q", "8", "--qp-density", "0"]) as? EncodeCommand)
        #expect(try b.options().qp == -8 && b.options().qpDensity == 0)
        #expect(try b.options().nonWeightStep == 0x1p-19, "the default non-weight step stays near 1.25·2^-19")
        let c = try #require(try NNCodecCLI.parseAsRoot(["encode", "m.onnx", "--qp", "-38"]) as? EncodeCommand)
        #expect(try c.options().qp == -38)
        let d = try #require(try NNCodecCLI.parseAsRoot(["encode", "m.onnx"]) as? EncodeCommand)
        #expect(try d.options().qp == -38 && d.options().qpDensity == 2 && !d.options().dependentQuantization)
    }

    /// The message a person sees when `args` are refused (nil: accepted).
    static func refusal(_ args: [String]) -> String? {
        do { _ = try NNCodecCLI.parseAsRoot(args); return nil } catch { return NNCodecCLI.message(for: error) }
    }

    @Test("contradictory or out-of-range options are refused before any work")
    func refused() {
        #expect(Self.refusal(["encode", "m.onnx", "-q", "8", "--qp", "-30"]) == "give either -q or --qp, not both")
        #expect(Self.refusal(["encode", "m.onnx", "--threads", "0"]) == "--threads must be at least 1")
        #expect(Self.refusal(["convert", "a.onnx", "-o", "b.onnx", "--inline", "--external-data"]) == "--external-data and --inline exclude each other")
        #expect(Self.refusal(["eval", "m.onnx", "--data", "x.npy"]) == "give --labels for accuracy or --reference for fidelity")
        #expect(Self.refusal(["sweep", "m.onnx", "--data", "x.npy", "--labels", "y.npy", "-q", "a..b"]) == "-q takes a range (2...20), a list (4,6,8) or a number, not 'a..b'")
        #expect(Self.refusal(["sweep", "m.onnx", "--data", "x.npy", "--labels", "y.npy", "--dq", "maybe"]) == "--dq takes off, on or both")
    }

    @Test("sweep step lists: ranges, lists, single values")
    func steps() throws {
        #expect(try SweepCommand.parseSteps("2...5") == [2, 3, 4, 5])
        #expect(try SweepCommand.parseSteps("4-6") == [4, 5, 6])
        #expect(try SweepCommand.parseSteps("4,8, 12") == [4, 8, 12])
        #expect(try SweepCommand.parseSteps("7") == [7])
        let e = #expect(throws: ValidationError.self) { try SweepCommand.parseSteps("5...2") }
        #expect(e?.message == "-q takes a range (2...20), a list (4,6,8) or a number, not '5...2'")
    }

    @Test("default outputs sit next to the input with the new extension")
    func defaultPaths() {
        #expect(OutputPath.replacingExtension("dir/model.onnx", with: "nnc") == "dir/model.nnc")
        #expect(OutputPath.replacingExtension("model.onnx", with: "nnc") == "model.nnc")
        #expect(OutputPath.replacingExtension("a.b/model", with: "onnx") == "a.b/model.onnx")
    }

    @Test("an existing output is refused without --force, an input always")
    func overwrite() throws {
        // A file this test creates, not one of the host's.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nncodec-args-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let existing = dir.appendingPathComponent("existing.onnx").path
        #expect(FileManager.default.createFile(atPath: existing, contents: Data([1, 2, 3])))
        let e1 = #expect(throws: CommandError.self) { try OutputPath.check(existing, inputs: [], force: false) }
        #expect(e1?.description == "\(existing): already exists (pass --force to overwrite it)")
        let e2 = #expect(throws: CommandError.self) {
            try OutputPath.check(existing, inputs: [dir.path + "/../" + dir.lastPathComponent + "/existing.onnx"], force: true)
        }
        #expect(e2?.description == "\(existing): refusing to overwrite the input file (choose another -o)")
        try OutputPath.check(existing, inputs: [], force: true)
        try OutputPath.check(dir.appendingPathComponent("missing/out.onnx").path, inputs: [], force: false)
    }
}

/// Library error kinds become flags and advice only in the CLI (`ErrorAdvice`).
@Suite("error advice")
struct ErrorAdviceTests {
    @Test func pruneSettingsAndDataNameTheirFlags() {
        let s = PruneError(.setting([.compensate, .criterion]), "compensation needs the structured criterion")
        #expect(ErrorAdvice.message(for: s) == "--compensate, --criterion: compensation needs the structured criterion")
        let d = PruneError(.missingData(.labelled), "the twt search needs labelled data")
        #expect(ErrorAdvice.message(for: d) == "the twt search needs labelled data: add --data X.npy --labels Y.npy")
    }

    @Test func decodeAdviceNamesGraph() {
        let e = DecodeError(.missingGraph, "x.nnc: no graph")
        #expect(ErrorAdvice.message(for: e) == "x.nnc: no graph: pass --graph MODEL.onnx")
        #expect(ErrorAdvice.graphSource("given model") == "--graph")
    }

    @Test func libraryMessagesNameNoFlags() throws {
        // Every library error a bad prune setting gives is free of flag text.
        let bad: [PruneOptions] = [
            PruneOptions(criterion: .structured, target: .sparsity(1.5)),
            PruneOptions(criterion: .unstructured, target: .sparsity(0.5), compensate: true),
            PruneOptions(criterion: .structured, target: .threshold(2), perLayer: true),
            PruneOptions(criterion: .structured, target: .twt(-1)),
        ]
        for o in bad {
            let e = #expect(throws: PruneError.self) { try o.validate() }
            #expect(e.map { !$0.message.contains("--") } == true, "\(String(describing: e))")
        }
    }
}
