import Foundation
import ONNXIO
@testable import Prune
import Runtime
import Testing

/// Simplified vs pruned-but-unsimplified models on the digits test split: the outputs
/// (logits, not just the argmax) must agree to 1e-4.
@Suite struct SimplifyEquivalenceTests {
    static let tolerance = 1e-4

    @Test(arguments: Fixtures.imageModels)
    func unprunedModelSimplifiesExactly(name: String) throws {
        let m = try Fixtures.model(name)
        let (s, report) = try Simplifier.simplify(m)
        #expect(try Fixtures.maxOutputDifference(m, s) <= Self.tolerance)
        let bnBefore = m.graph!.nodes.filter { $0.opType == "BatchNormalization" }.count
        let bnAfter = s.graph!.nodes.filter { $0.opType == "BatchNormalization" }.count
        #expect(bnBefore - bnAfter == report.foldedBatchNorms.count)
        if name == "resnet_small" { #expect(bnAfter == 0) }
    }

    @Test(arguments: Fixtures.imageModels)
    func structuredPruningThenSimplify(name: String) throws {
        let m = try Fixtures.model(name)
        let (pruned, rep) = try Pruner.prune(m, options: PruneOptions(criterion: .structured, target: .sparsity(0.5)))
        #expect(rep.prunedUnits > 0)
        let (s, report) = try Simplifier.simplify(pruned)
        #expect(try Fixtures.maxOutputDifference(pruned, s) <= Self.tolerance)
        #expect(try ParameterCount(s).total < ParameterCount(pruned).total)
        #expect(!report.removedChannels.isEmpty)
        // The last layer keeps all its outputs.
        let last = try WeightedLayer.stats(s).last!, lastBefore = try WeightedLayer.stats(m).last!
        #expect(last.neurons == lastBefore.neurons)
    }

    @Test(arguments: Fixtures.imageModels)
    func unstructuredPruningThenSimplify(name: String) throws {
        let m = try Fixtures.model(name)
        let (pruned, _) = try Pruner.prune(m, options: PruneOptions(criterion: .unstructured, target: .sparsity(0.95)))
        let (s, _) = try Simplifier.simplify(pruned)
        #expect(try Fixtures.maxOutputDifference(pruned, s) <= Self.tolerance)
    }

    @Test func lenet5FlattenColumnsFollowRemovedChannels() throws {
        let m = try Fixtures.model("lenet5")
        let (pruned, _) = try Pruner.prune(m, options: PruneOptions(criterion: .structured, target: .sparsity(0.5), perLayer: true))
        let (s, _) = try Simplifier.simplify(pruned)
        let stats = try WeightedLayer.stats(s)
        // conv2's outputs feed fc1 through Flatten: 4×4 = 16 columns per channel.
        let conv2 = stats.first { $0.name.contains("conv2") }!
        let fc1 = stats.first { $0.op == "Gemm" }!
        #expect(conv2.neurons < 50)
        #expect(fc1.weightShape[1] == conv2.neurons * 16)
        #expect(try Fixtures.maxOutputDifference(pruned, s) <= Self.tolerance)
    }

    @Test func depthwiseGroupFollowsRemovedChannels() throws {
        let m = try Fixtures.model("concat_dw")
        let (pruned, _) = try Pruner.prune(m, options: PruneOptions(criterion: .structured, target: .sparsity(0.5), perLayer: true))
        let (s, _) = try Simplifier.simplify(pruned)
        let dw = s.graph!.nodes.first { $0.opType == "Conv" && ($0.attribute("group")?.i ?? 1) > 1 }!
        let w = s.graph!.initializer(named: dw.inputs[1])!
        #expect(dw.attribute("group")!.i! == w.dims[0])
        #expect(w.dims[0] < 24)
        #expect(try Fixtures.maxOutputDifference(pruned, s) <= Self.tolerance)
    }
}

/// Random structured masks (seeded): zero whole neurons, sometimes keeping their bias so
/// that constants f(b) must be propagated, and zero random input columns; then simplify
/// and compare outputs.
@Suite struct RandomMaskPropertyTests {
    static func randomMask(_ model: Model, seed: UInt64) throws -> Model {
        var rng = SeededRandom(seed: seed)
        var m = model
        var inits = InitializerTable(m.graph!)
        let outputs = Set(m.graph!.outputs.compactMap { $0.name })
        let p = Double.random(in: 0.2...0.8, using: &rng)
        for l in WeightedLayer.find(in: m.graph!) {
            var w = try inits.dense(l.weight)!
            var b = try l.bias.flatMap { try inits.dense($0) }
            let last = outputs.contains(l.output)
            for o in 0..<w.dims[l.outputAxis] where !last && Double.random(in: 0..<1, using: &rng) < p {
                w.zero(axis: l.outputAxis, index: o)
                if Bool.random(using: &rng) { b?.values[o] = 0 }
            }
            if w.dims.count >= 2 {
                for j in 0..<w.dims[l.inputAxis] where Double.random(in: 0..<1, using: &rng) < 0.1 {
                    w.zero(axis: l.inputAxis, index: j)
                }
            }
            try inits.set(l.weight, w)
            if let bn = l.bias, let b { try inits.set(bn, b) }
        }
        m.graph = inits.graph
        return m
    }

    @Test(arguments: Fixtures.imageModels, [UInt64(1), 2, 3])
    func randomStructuredMaskSimplifiesExactly(name: String, seed: UInt64) throws {
        let masked = try Self.randomMask(try Fixtures.model(name), seed: seed &* 7919 &+ UInt64(name.count))
        let (s, _) = try Simplifier.simplify(masked)
        let d = try Fixtures.maxOutputDifference(masked, s)
        #expect(d <= SimplifyEquivalenceTests.tolerance, "\(name) seed \(seed): max |Δ| \(d)")
        #expect(try ParameterCount(s).total < ParameterCount(masked).total)
    }
}
