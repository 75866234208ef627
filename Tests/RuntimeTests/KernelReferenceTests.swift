import Foundation
import Testing
import ONNXIO
@testable import Runtime

/// Convolution kernels and fused chains against onnxruntime: the cases of
/// scripts/make_kernel_refs.py (testdata/kernels), run by the optimised plan (fused) and
/// the plain plan, with every thread setting.
@Suite struct KernelReferenceTests {
    static let cases: [String] = {
        guard let data = FileManager.default.contents(atPath: TestPaths.testdata("kernels/manifest.json")),
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [] }
        return obj.keys.sorted()
    }()

    @Test func manifestIsPresent() {
        #expect(Self.cases.count >= 74)
    }

    /// The thread settings, and the portable Swift kernels in place of CPUKernels (AVX2/FMA).
    static let strategies: [Session.Options] = [.init(), .init(convStrategy: .batched), .init(parallel: false), {
        var o = Session.Options()
        o.nativeKernels = false
        return o
    }()]

    /// Inputs and expected outputs of a case.
    static func load(_ name: String) throws -> (Model, [String: NDArray], [String: NDArray]) {
        let model = try Model.load(path: TestPaths.testdata("kernels/\(name).onnx"))
        var inputs: [String: NDArray] = [:], expected: [String: NDArray] = [:]
        for (k, v) in try NPY.readArchive(path: TestPaths.testdata("kernels/\(name).npz")) {
            if k.hasPrefix("in.") { inputs[String(k.dropFirst(3))] = v }
            if k.hasPrefix("out.") { expected[String(k.dropFirst(4))] = v }
        }
        return (model, inputs, expected)
    }

    @Test(arguments: cases, strategies)
    func matchesOnnxRuntime(_ name: String, _ options: Session.Options) throws {
        let (model, inputs, expected) = try Self.load(name)
        let session = try Session(model: model, options: options)
        #expect(!expected.isEmpty)
        // Optimised plan; then the plain one (requesting every intermediate disables fusion).
        let everything = Array(Set(expected.keys).union(model.graph!.nodes.flatMap(\.outputs)))
        for outputs in [Array(expected.keys), everything] {
            let got = try session.run(inputs: inputs, outputs: outputs)
            for (out, want) in expected {
                let problem = compare(try #require(got[out]), want, tol: 1e-5, exact: false)
                #expect(problem == nil, "\(name) output \(out) (\(outputs.count) outputs): \(problem ?? "")")
            }
        }
    }

    /// The fused chains really are fused: the optimised plan has fewer steps than nodes.
    @Test(arguments: ["chain_bn_relu6", "chain_bn_silu", "chain_dw5_bn_silu", "chain_silu_swapped", "chain_hardswish",
                      "chain_hardsigmoid", "chain_leakyrelu", "chain_clip_opset10", "chain_add_silu", "bn_relu_conv",
                      "ck_pointwise_add_silu", "ck_rows_hardswish", "ck_rows_add_relu"])
    func chainIsFused(_ name: String) throws {
        let (model, _, _) = try Self.load(name)
        let session = try Session(model: model)
        #expect(session.optimisedPlan.steps.count == 1 || (name == "bn_relu_conv" && session.optimisedPlan.steps.count == 2),
                "\(name): \(session.optimisedPlan.steps.map(\.name))")
    }
}
