import Foundation
import Runtime
import Testing
@testable import Train

/// `Trainer.evaluate(_:stopAbove:)`: the threshold search's early exit gives the same
/// "loss ≤ bound?" answer as the full pass, and stops early only when the bound is beaten.
@Suite struct EarlyStopEvaluateTests {
    @Test func sameAnswerAsTheFullPass() throws {
        let data = try TrainerTests.digits("train", limit: 900)   // four 256-sample batches
        let g = try GradientGraph(model: try TrainerTests.model("lenet5"))
        // Make the loss large enough to exceed small bounds early: damp the first layer.
        let w = g.trainable.first { g.parameters[$0]!.rank == 4 }!
        g.parameters[w] = NDArray(shape: g.parameters[w]!.shape, floats: g.parameters[w]!.f.map { $0 * 0.05 })
        let trainer = try Trainer(graph: g, options: TrainingOptions())
        let full = try trainer.evaluate(data)
        #expect(full.loss > 0.3)
        for factor in [0.01, 0.2, 0.5, 0.9, 0.999, 1.0, 1.001, 1.1, 3.0] {
            let bound = full.loss * factor
            let early = try trainer.evaluate(data, stopAbove: bound)
            #expect((early.loss <= bound) == (full.loss <= bound), "bound \(bound)")
            if full.loss <= bound {
                #expect(early.loss == full.loss && early.top1 == full.top1)   // a passing pass is the full pass
            } else {
                #expect(early.loss > bound && early.loss <= full.loss * (1 + 1e-12))
            }
        }
        // A bound far below the loss ends after the first batch: no top-1 is reported, and the
        // partial sum is about a quarter of the full one.
        let first = try trainer.evaluate(data, stopAbove: full.loss * 0.01)
        #expect(first.top1 == nil)
        #expect(first.loss < full.loss * 0.5)
    }
}
