import Foundation
import Testing
import ONNXIO
@testable import Runtime

/// The optimised plan (constant folding, Conv→BN→Add→Relu fusion) against the plain one.
@Suite struct PlanTests {
    static let convModels = ModelTests.entries.filter { ["lenet5", "resnet_small", "concat_dw", "tiny_bert"].contains($0.name) }

    func batch(_ e: ModelTests.Entry) throws -> [String: NDArray] {
        let x = try NPY.read(path: TestPaths.testdata(e.dataFile))
        return [e.inputName: x.slice(rows: 0..<min(16, x.shape[0]))]
    }

    func close(_ a: NDArray?, _ b: NDArray?) -> Bool {
        guard let a, let b, a.shape == b.shape else { return false }
        let (d, s) = maxDiff(a.floats, b.floats)
        return d <= 1e-5 * max(1, s)
    }

    /// Requesting a fused intermediate switches to the plain plan; the outputs agree.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: ModelTests.manifestPath)), arguments: convModels)
    func fusedAndPlainAgree(_ e: ModelTests.Entry) throws {
        let s = try Session(path: TestPaths.testdata(e.file))
        let inputs = try batch(e)
        let fast = try s.run(inputs: inputs)[e.outputName]
        let hidden = s.optimisedPlan.hidden.sorted()
        if e.name != "tiny_bert" { #expect(!hidden.isEmpty, "nothing fused in \(e.name)") }
        if e.name == "tiny_bert" { #expect(!s.optimisedPlan.constants.isEmpty, "nothing folded in tiny_bert") }
        let plain = try s.run(inputs: inputs, outputs: [e.outputName] + hidden.prefix(1))
        #expect(close(fast, plain[e.outputName]))
        if let h = hidden.first { #expect(plain[h] != nil) }
    }

    /// Overriding a fused convolution's weights (or a folded weight's source) gives what the
    /// plain plan computes with the same override.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: ModelTests.manifestPath)), arguments: convModels)
    func overridesReachFusedAndFoldedNodes(_ e: ModelTests.Entry) throws {
        let s = try Session(path: TestPaths.testdata(e.file))
        let inputs = try batch(e)
        // The first Conv weight (or, in tiny_bert, the first MatMul weight behind a Transpose).
        let target = s.nodes.first { $0.opType == "Conv" }?.inputs[1]
            ?? s.nodes.first { $0.opType == "Transpose" && s.initializer($0.inputs[0]) != nil }!.inputs[0]
        let w = s.initializer(target)!
        let doubled = NDArray(shape: w.shape, floats: w.floats.map { $0 * 2 })
        let before = try s.run(inputs: inputs)[e.outputName]
        let fast = try s.run(inputs: inputs, overrides: [target: doubled])[e.outputName]
        let plain = try s.run(inputs: inputs, outputs: [e.outputName] + s.optimisedPlan.hidden.sorted().prefix(1),
                              overrides: [target: doubled])[e.outputName]
        #expect(close(fast, plain))
        #expect(!close(fast, before), "the override had no effect")
        // The fold cache is not poisoned by the override.
        #expect(close(try s.run(inputs: inputs)[e.outputName], before))
    }
}
