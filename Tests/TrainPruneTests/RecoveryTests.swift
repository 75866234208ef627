import Foundation
import Testing
@testable import TrainPrune

/// `--recover-epochs`: a stage that ends below the target trains without the penalty, with
/// its pruned weights held at zero, before it is undone.
@Suite struct RecoveryTests {
    /// TWT 5 makes the first LOBSTER stage cost validation images (the same setting undoes it
    /// in `AccuracyStopTests`); with recovery epochs the stage is kept when an epoch brings
    /// top-1 back to the target: the written model is pruned, at or above the target, and
    /// holds every zero of the stage. Without recovery the same run keeps nothing.
    @Test func aStageBelowTheTargetIsRecovered() throws {
        func run(_ name: String, recover: Int, target: Double) throws -> TrainingPruner.Result {
            try TrainingPruner.run(TrainPruneTests.request(.lobster, name) {
                $0.lambda = 1e-3; $0.twt = 5; $0.maxEpochs = 6; $0.targetTop1 = target; $0.retries = 0; $0.recoverEpochs = recover
            })
        }
        let undone = try run("recover-0.onnx", recover: 0, target: 1)
        #expect(undone.stages[0].validationTop1! < 1 && undone.stages[0].recoveryEpochs == nil)
        #expect(undone.nonzero == undone.parameters)

        let r = try run("recover-3.onnx", recover: 3, target: 1)
        let s = r.stages[0]
        #expect(s.validationTop1! < 1)
        #expect(s.recoveryEpochs.map { $0 >= 1 && $0 <= 3 } == true)
        #expect(s.recoveredTop1.map { $0 >= 1 } == true)
        #expect(r.finalTop1! >= 1)
        #expect(r.nonzero < r.parameters)
        // The mask held through recovery: every parameter the stage zeroed is still zero.
        #expect(Double(r.parameters - r.nonzero) >= s.sparsity * Double(r.parameters) - 0.5)
        #expect(try TrainPruneTests.zeros(r.output) >= r.parameters - r.nonzero)
        // Recovery epochs are counted among the run's epochs and tagged with the stage.
        #expect(r.epochs.filter { $0.stage == 1 }.count >= 1 + s.recoveryEpochs!)
    }

    @Test func negativeRecoveryIsRejected() {
        var o = TrainPruneOptions(method: .serene)
        o.recoverEpochs = -1
        #expect(throws: TrainPruneError.self) { try o.validate() }
    }
}
