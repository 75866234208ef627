import Foundation
import ONNXIO
@testable import Prune
import Runtime
import Testing

@Suite struct PrunerTests {
    @Test func unstructuredSparsityZeroesThatShare() throws {
        let m = try Fixtures.model("lenet300")
        let (p, report) = try Pruner.prune(m, options: PruneOptions(criterion: .unstructured, target: .sparsity(0.5)))
        let stats = try WeightedLayer.stats(p)
        let weights = stats.reduce(0) { $0 + $1.weightShape.reduce(1, *) }
        let zeros = stats.reduce(0) { $0 + $1.parameters - $1.nonzero }
        #expect(abs(Double(zeros) / Double(weights) - 0.5) < 0.01)
        #expect(report.prunedUnits == weights / 2)
        // Biases untouched unless asked.
        let biasBefore = try m.graph!.initializer(named: "fc1.bias")!.floatValues()
        #expect(try p.graph!.initializer(named: "fc1.bias")!.floatValues() == biasBefore)
    }

    @Test func perLayerSparsityPrunesEveryLayerAlike() throws {
        let m = try Fixtures.model("lenet5")
        let (p, _) = try Pruner.prune(m, options: PruneOptions(criterion: .unstructured, target: .sparsity(0.8), perLayer: true))
        for l in try WeightedLayer.stats(p) {
            let w = l.weightShape.reduce(1, *)
            #expect(abs(Double(l.parameters - l.nonzero) / Double(w) - 0.8) < 0.02, "\(l.name)")
        }
    }

    @Test func structuredNeverPrunesTheLastLayer() throws {
        let m = try Fixtures.model("lenet300")
        let (p, _) = try Pruner.prune(m, options: PruneOptions(criterion: .structured, target: .threshold(1e9)))
        let stats = try WeightedLayer.stats(p)
        #expect(stats.last!.liveNeurons == 10)
        #expect(stats[0].liveNeurons == 0 && stats[1].liveNeurons == 0)
    }

    @Test func badOptionsAreRejected() throws {
        let m = try Fixtures.model("lenet300")
        #expect(throws: PruneError.self) { try Pruner.prune(m, options: PruneOptions(criterion: .unstructured, target: .sparsity(1))) }
        #expect(throws: PruneError.self) { try Pruner.prune(m, options: PruneOptions(criterion: .unstructured, target: .sparsity(-0.1))) }
        #expect(throws: PruneError.self) { try Pruner.prune(m, options: PruneOptions(criterion: .structured, target: .twt(0.1))) }
        #expect(throws: PruneError.self) {
            try Pruner.prune(m, options: PruneOptions(criterion: .structured, target: .sparsity(0.5), score: .activation))
        }
    }

    /// LOBSTER's bisection: the chosen threshold keeps the validation loss within the bound,
    /// for both criteria, and the result simplifies exactly.
    @Test(arguments: [Criterion.unstructured, .structured])
    func bisectionKeepsLossWithinBound(criterion: Criterion) throws {
        let m = try Fixtures.model("lenet300")
        let val = try Fixtures.digits().halves().validation
        let (p, report) = try Pruner.prune(m, options: PruneOptions(criterion: criterion, target: .twt(0.05),
                                                                   score: criterion == .structured ? .activation : .norm),
                                           validation: val)
        let bound = try #require(report.lossBound)
        #expect(try val.evaluate(p).meanCrossEntropy <= bound * (1 + 1e-9))
        #expect(report.prunedUnits > 0)
        #expect(report.search.count >= 5)
        let (s, _) = try Simplifier.simplify(p)
        #expect(try Fixtures.maxOutputDifference(p, s) <= SimplifyEquivalenceTests.tolerance)
    }
}
