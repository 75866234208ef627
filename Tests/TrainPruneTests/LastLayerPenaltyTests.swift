import Foundation
import ONNXIO
import Runtime
import Testing
import Train
@testable import TrainPrune

/// SeReNe regularizes the last layer's weights as the authors' code does (every Linear/Conv):
/// S̄ = 1 − 1/C for lb/ub/exact, none for `local` or with the penalty switched off; its bias
/// and its neurons stay.
@Suite struct LastLayerPenaltyTests {
    static func setUp(_ kind: SensitivityKind, penalize: Bool) throws -> (Regularizer, [String: NDArray], PrunableLayer) {
        let g = try GradientGraph(model: try Model.load(path: Paths.testdata("lenet300.onnx")))
        let layers = try PrunableLayer.find(g.model, parameters: g.parameters)
        let s = NeuronSensitivity(graph: g, layers: layers, output: g.objectiveValues[0], kind: kind)
        let reg = Regularizer(method: .serene, layers: layers, lambda: 0.01, sensitivity: s, penalizeLast: penalize)
        let last = layers.first { $0.isLast }
        return (reg, g.parameters, try #require(last))
    }

    @Test(arguments: [SensitivityKind.lb, .ub, .exact])
    func lastWeightsDecayWithOneMinusOneOverC(kind: SensitivityKind) throws {
        var (reg, params, last) = try Self.setUp(kind, penalize: true)
        let before = params
        reg.apply(&params)
        let factor: Float = 1 - 0.01 * (1 - 1 / 10)
        let w0 = before[last.layer.weight]!.floats, w1 = params[last.layer.weight]!.floats
        #expect(w0.count == 1000 && zip(w0, w1).allSatisfy { abs($1 - $0 * factor) <= 1e-7 * max(1, abs($0)) })
        #expect(w0.contains { $0 != 0 } && w0 != w1)
        #expect(params[last.layer.bias!] == before[last.layer.bias!])
    }

    @Test(arguments: [(SensitivityKind.lb, false), (.local, true)])
    func lastLayerUntouched(kind: SensitivityKind, penalize: Bool) throws {
        var (reg, params, last) = try Self.setUp(kind, penalize: penalize)
        let before = params[last.layer.weight]
        reg.apply(&params)
        #expect(params[last.layer.weight] == before)
    }
}
