import CABAC
import Foundation
import Testing
@testable import Codec

@Suite("Quant: rate–distortion quantization")
struct QuantRDOTests {
    @Test("λ = 0 reproduces the uniform quantizer exactly")
    func lambdaZeroIsUniform() throws {
        var rng = QuantRandom(seed: 11)
        for qp in [-60, -38, -33, -20] {
            let step = try #require(QuantStep(qp: qp))
            let w = rng.weights(5000, scale: 0.03)
            #expect(try RDOQuantizer(step: step, lambdaScale: 0).quantize(w) == UniformQuantizer(step: step).quantize(w))
        }
    }

    @Test("λ > 0: levels are r, r − 1 or 0; bits fall and error rises as λ grows")
    func tradeOff() throws {
        var rng = QuantRandom(seed: 12)
        let w = rng.weights(20_000, scale: 0.02)
        let step = try #require(QuantStep(qp: -38))
        let rounded = try UniformQuantizer(step: step).quantize(w).levels
        var lastBytes = Int.max, lastError = -1.0
        for scale in [0.0, 0.5, 2, 8] {
            let q = try RDOQuantizer(step: step, lambdaScale: scale).quantize(w)
            for (l, r) in zip(q.levels, rounded) {
                #expect(l == r || l == 0 || (l.signum() == r.signum() && l.magnitude == r.magnitude - 1))
            }
            let bytes = try QuantFixtures.codedBytes(q, rowWidth: 100, options: TensorCodingOptions())
            let error = QuantFixtures.meanSquaredError(w, q.reconstructed())
            #expect(bytes < lastBytes && error > lastError, "lambdaScale \(scale): \(bytes) bytes, MSE \(error)")
            lastBytes = bytes; lastError = error
        }
    }

    @Test("rate table prices every level exactly as ContextSet.cost does, after adaptation")
    func rateTableMatchesContextCost() throws {
        var rng = QuantRandom(seed: 13)
        for g in [1, 4, 11, 40] {
            var contexts = ContextSet(unaryLength: g)
            // Adapt the contexts with a random DQ level sequence.
            var estimator = BitEstimator(adapts: true)
            var state = 0, previous: Int32 = 0
            for _ in 0..<3000 {
                let k = Int32(rng.gaussian() * 6)
                contexts.encodeLevel(k, state: state, previous: previous, into: &estimator)
                state = DependentQuantization.nextState(state, index: k)
                previous = k
            }
            let table = LevelRateTable(contexts: &contexts)
            var probes: [Int32] = Array(-70...70)
            probes += [1 << 20, -(1 << 20), Int32.max - 1, -(Int32.max - 1), 1 << 30, 12345678]
            for _ in 0..<200 { probes.append(Int32(truncatingIfNeeded: rng.next() % (1 << 31)) * (rng.next() % 2 == 0 ? 1 : -1)) }
            for k in probes {
                for state in 0..<8 {
                    for previous: Int32 in [0, -3, 5] {
                        let expected = contexts.cost(ofLevel: k, state: state, previous: previous)
                        let got = table.cost(k, state: state, neighbourClass: ContextLayout.neighbourClass(previous))
                        #expect(got == expected, "G \(g) k \(k) state \(state) previous \(previous)")
                    }
                }
            }
        }
    }

    @Test("λ = 1 on LeNet-300: within 0.5% of NNCodec's size at no more than 1% more error")
    func nnCodecLambdaOne() throws {
        try QuantNNCodecComparison.check(dq: false, lambdaScale: 1, exactLevels: false)
    }
}
