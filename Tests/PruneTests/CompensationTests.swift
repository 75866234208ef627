import Foundation
import ONNXIO
@testable import Prune
import Runtime
import Testing

/// Least-squares compensation (`Compensation`, `prune --compensate`).
@Suite(.serialized) struct CompensationTests {
    static func calibration() throws -> NDArray {
        try NPY.read(path: Fixtures.testdata("digits_calib_x28.npy"))
    }

    /// Σ (a − b)² over the values `name` of two models on `x`.
    static func squaredError(_ a: Model, _ b: Model, _ name: String, _ x: NDArray) throws -> Double {
        let sa = try Session(model: a), sb = try Session(model: b)
        let va = try sa.run(inputs: [sa.inputNames[0]: x], outputs: [name])[name]!.floats
        let vb = try sb.run(inputs: [sb.inputNames[0]: x], outputs: [name])[name]!.floats
        return zip(va, vb).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
    }

    /// Removing neurons and re-fitting the next layer by least squares brings that layer's
    /// pre-activations on the calibration data much closer to the original's than only
    /// zeroing them does; measured by running the models, and the normal equations predict it.
    @Test(arguments: ["lenet300", "lenet5"])
    func compensationReducesNextLayerError(model name: String) throws {
        let m = try Fixtures.model(name)
        let cal = try Self.calibration()
        let plan = try PrunePlan(m, PruneOptions(criterion: .structured, target: .sparsity(0.5)))
        let sites = try Compensation.sites(plan)
        #expect(sites.map { plan.layers[$0.producer].name } == (name == "lenet300" ? ["fc1", "fc2"] : ["conv1", "conv2", "fc1"]))
        let site = sites[0]
        let ne = try Compensation.normalEquations(site, current: m, original: m, calibration: cal)
        let order = try Compensation.eliminationOrder(ne, site)
        #expect(Set(order) == Set(site.candidates))
        let removed = Array(order.prefix(site.candidates.count * 2 / 3))
        let fitted = try Compensation.apply(plan, site, to: m, removed: removed, ne: ne)
        let zeroed = try Compensation.apply(plan, site, to: m, removed: removed, ne: ne, refit: false)
        // The rows the normal equations used (Conv readers are capped).
        // (lenet5's conv2 has 8 × 8 output positions per image.)
        let x = cal.slice(rows: 0..<(site.conv == nil ? ne.rows : ne.rows / 64))
        let eFitted = try Self.squaredError(fitted, m, site.target, x)
        let eZeroed = try Self.squaredError(zeroed, m, site.target, x)
        #expect(eFitted < 0.1 * eZeroed, "\(eFitted) vs \(eZeroed)")
        // The normal equations' error (per row) matches the one measured by running the model
        // (checks the im2col / Flatten column layout).
        let (w, b) = try Compensation.readerWeights(plan, site, fitted)
        let predicted = Compensation.error(ne, w: w, b: b) * Double(ne.rows)
        #expect(abs(predicted - eFitted) <= 0.02 * eFitted + 1e-6, "\(predicted) vs \(eFitted)")
    }

    /// The acceptance target: structured pruning with compensation, then simplification,
    /// leaves ≥ 3× fewer parameters with top-1 on the whole test split within 0.5 points of
    /// the original, and the simplified model computes what the pruned one does.
    @Test(arguments: [("lenet300", 0.2), ("lenet5", 0.1)])
    func threeTimesFewerParametersWithinHalfAPoint(model name: String, twt: Double) throws {
        let m = try Fixtures.model(name)
        let data = try Fixtures.digits()
        let (p, report) = try Pruner.prune(m, options: PruneOptions(criterion: .structured, target: .twt(twt), compensate: true),
                                           validation: data.halves().validation, calibration: try Self.calibration())
        #expect(report.compensation.count == (name == "lenet300" ? 2 : 3))
        for c in report.compensation { #expect(c.relativeErrorCompensated < c.relativeErrorUncompensated, "\(c.layer)") }
        let bound = try #require(report.lossBound)
        #expect(try #require(report.finalLoss) <= bound)
        let (s, _) = try Simplifier.simplify(p)
        #expect(try Fixtures.maxOutputDifference(p, s) <= SimplifyEquivalenceTests.tolerance)
        let before = try ParameterCount(m).total, after = try ParameterCount(s).total
        #expect(Double(before) / Double(after) >= 3, "\(before) → \(after)")
        let top1Before = try data.evaluate(m).top1, top1After = try data.evaluate(s).top1
        #expect(top1After >= top1Before - 0.005, "\(top1Before) → \(top1After)")
        // Neurons per layer shrink, and the table's counts agree with the simplified model's.
        let live = try WeightedLayer.stats(p).map { $0.liveNeurons }
        #expect(try WeightedLayer.stats(s).map { $0.neurons } == live)
    }

    @Test func compensationOptionsAreChecked() throws {
        let m = try Fixtures.model("lenet300")
        #expect(throws: PruneError.self) {
            try Pruner.prune(m, options: PruneOptions(criterion: .unstructured, target: .sparsity(0.5), compensate: true),
                             calibration: try Self.calibration())
        }
        #expect(throws: PruneError.self) {
            try Pruner.prune(m, options: PruneOptions(criterion: .structured, target: .threshold(0.1), compensate: true),
                             calibration: try Self.calibration())
        }
        // No calibration and no validation data.
        #expect(throws: PruneError.self) {
            try Pruner.prune(m, options: PruneOptions(criterion: .structured, target: .sparsity(0.5), compensate: true))
        }
        // --sparsity needs no labels: the share of each compensable layer.
        let (p, r) = try Pruner.prune(m, options: PruneOptions(criterion: .structured, target: .sparsity(0.5), compensate: true),
                                      calibration: try Self.calibration())
        #expect(try WeightedLayer.stats(p).map { $0.liveNeurons } == [150, 50, 10])
        #expect(r.prunedUnits == 200)
    }
}
