import Foundation
import Testing
@testable import TrainPrune

/// The LeNet-300 targets in a test-sized form: seeded runs on the held-out LeNet-300
/// (validation: the 269 held-out rows, `--val-split 0.2 --split-seed 0`; target 94.9% = the
/// start, 95.91% or 258 of 269 images, minus 1 point: 256 images pass) that reach the target's
/// ratio — and for SeReNe its neurons — with validation top-1 within 1 point, ended by the
/// budgets as soon as they hold. Retries 30: seed 1 of the SeReNe schedule needed more than 10
/// failing stages in a row; seeds 0–4 (SeReNe) and 0–2 (LOBSTER) all reach their budgets
/// (found on validation only, 2026-11-29).
@Suite struct TargetSizedTests {
    static func request(_ method: PruneMethod, _ out: String, _ edit: (inout TrainPruneOptions) -> Void) -> TrainingPruner.Request {
        var r = TrainPruneTests.request(method, out) {
            $0.pwe = 1; $0.retries = 30; $0.maxEpochs = 600; $0.targetTop1 = 0.949; $0.seed = 0; $0.splitSeed = 0
            edit(&$0)
        }
        r.model = Paths.testdata("lenet300_heldout.onnx")
        r.validationSplit = 0.2
        return r
    }

    /// SeReNe LB: ≥ 40× with each hidden layer at most half its neurons (~180 epochs and ~55
    /// stages, ~36 s of CPU in the debug build; [19]-[50]-[10] at 249×).
    @Test func sereneLeavesEachHiddenLayerAtMostHalf() throws {
        let result = try TrainingPruner.run(Self.request(.serene, "half-neurons.onnx") {
            $0.lambda = 2e-3; $0.twt = 0.3; $0.targetNeuronShare = 0.5
        })
        #expect(result.stopped.hasPrefix("every hidden layer at most 50% of its neurons"))
        #expect(result.layers.map(\.neurons) == [300, 100, 10])
        let live = result.layers.map(\.liveNeurons)
        #expect(live[0] <= 150 && live[1] <= 50 && live[2] == 10)
        #expect(result.compressionRatio >= 40)
        #expect(result.finalTop1! >= result.startTop1! - 0.01)
        #expect(result.epochs.count < 600)
        #expect(try TrainPruneTests.zeros(result.output) >= result.parameters - result.nonzero)
    }

    /// LOBSTER: ≥ 50× (~90 epochs and ~36 stages, ~15 s of CPU; 52.7×).
    @Test func lobsterReachesFiftyTimes() throws {
        let result = try TrainingPruner.run(Self.request(.lobster, "fifty.onnx") {
            $0.lambda = 2e-3; $0.twt = 0.1; $0.targetRatio = 50
        })
        #expect(result.stopped.hasPrefix("compression ratio"))
        #expect(result.compressionRatio >= 50)
        #expect(result.finalTop1! >= result.startTop1! - 0.01)
        #expect(result.layers[2].liveNeurons == 10)
        #expect(result.epochs.count < 600)
        #expect(try TrainPruneTests.zeros(result.output) >= result.parameters - result.nonzero)
    }
}
