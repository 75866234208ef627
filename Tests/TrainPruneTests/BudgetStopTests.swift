import Foundation
import Testing
@testable import TrainPrune

/// The size budget (`--target-ratio`) and the structure budget (`--target-neurons`): the run
/// stops after the first passing stage that reaches them and writes that stage's model.
@Suite struct BudgetStopTests {
    static func ratio(_ s: PruneStage) -> Double { 1 / (1 - s.sparsity) }

    /// LOBSTER on LeNet-300 (λ 1e-3, PWE 1) reaches 1.32×, 1.34×, 1.50× in its first three
    /// stages; a budget of 1.4× ends the run at the third, with its model written.
    @Test func ratioStopsAtTheFirstStageReachingIt() throws {
        let r = try TrainingPruner.run(TrainPruneTests.request(.lobster, "budget-ratio.onnx") {
            $0.lambda = 1e-3; $0.maxEpochs = 20; $0.targetRatio = 1.4
        })
        let last = try #require(r.stages.last)
        #expect(r.stages.count >= 2)
        #expect(r.stages.dropLast().allSatisfy { Self.ratio($0) < 1.4 })
        #expect(Self.ratio(last) >= 1.4 && r.compressionRatio >= 1.4)
        #expect(abs(r.compressionRatio - Self.ratio(last)) < 1e-9 * r.compressionRatio)
        #expect(r.epochs.count < 20)
        #expect(r.stopped.hasPrefix("compression ratio") && r.stopped.contains("the target 1.4×"))
        #expect(try TrainPruneTests.zeros(r.output) >= r.parameters - r.nonzero)
        #expect(r.finalTop1 == last.validationTop1)
    }

    /// A ratio the first stage already reaches stops there; without a budget the same run goes on.
    @Test func ratioOneStopsAfterTheFirstStage() throws {
        let r = try TrainingPruner.run(TrainPruneTests.request(.lobster, "budget-one.onnx") {
            $0.lambda = 1e-3; $0.maxEpochs = 4; $0.targetRatio = 1
        })
        #expect(r.stages.count == 1 && r.stopped.hasPrefix("compression ratio"))
        let free = try TrainingPruner.run(TrainPruneTests.request(.lobster, "budget-none.onnx") { $0.lambda = 1e-3; $0.maxEpochs = 4 })
        #expect(free.stages.count > 1 && free.stopped == "max epochs")
    }

    /// Budgets out of range are refused before any training, naming the setting.
    @Test func outOfRangeBudgetsAreRefused() {
        for (ratio, share) in [(0.5, nil), (Double.nan, nil), (nil, 0.0), (nil, 1.5), (nil, Double.nan)] as [(Double?, Double?)] {
            var o = TrainPruneOptions(method: .serene)
            o.targetRatio = ratio; o.targetNeuronShare = share
            #expect(throws: TrainPruneError.self) { try o.validate() }
            do { try o.validate() } catch let e as TrainPruneError {
                #expect(e.kind == .invalidOption && e.location == (ratio != nil ? "target ratio" : "target neuron share"))
            } catch {}
        }
    }
}
