import Foundation
import Testing
@testable import Codec

@Suite("Quant: uniform rounding")
struct QuantUniformTests {
    /// The exact nearest level (ties away from zero), decided by exact residuals in double.
    static func referenceLevel(_ w: Float, _ delta: Float) -> Int64 {
        let t = Int64((Double(w) / Double(delta)).rounded(.towardZero))
        var best = t, bestErr = Double.infinity
        for c in (t - 2)...(t + 2) {
            // |w − cΔ| exactly: cΔ has ≤ 40 significant bits, w 24, both in double's range.
            let err = abs(Double(w) - Double(c) * Double(delta))
            if err < bestErr || (err == bestErr && abs(c) > abs(best)) { best = c; bestErr = err }
        }
        return best
    }

    static func randomTensor(_ rng: inout QuantRandom, count: Int, step: QuantStep) -> [Float] {
        let delta = Double(step.size)
        return (0..<count).map { _ -> Float in
            switch rng.next() % 10 {
            case 0: return 0
            case 1: return -0.0
            case 2: // exact ties (n + 1/2)Δ
                let n = Double(Int64(rng.next() % 2001) - 1000)
                return Float((n + 0.5) * delta)
            case 3: // the largest accepted magnitudes
                return Float(QuantStep.maxScaledMagnitude * delta * (1 - 1e-6 - Double(rng.next() % 1000) * 1e-9)) * (rng.next() % 2 == 0 ? 1 : -1)
            case 4: // subnormal and tiny
                return Float(bitPattern: UInt32(rng.next() % 0x0080_0000)) * (rng.next() % 2 == 0 ? 1 : -1)
            case 5: // beyond 2^24 levels
                return Float(Double(rng.next() % (1 << 30)) * delta * 1.37)
            default:
                return Float(rng.gaussian() * delta * 20)
            }
        }
    }

    @Test("nearest level, ties away from zero; |w − ŵ| ≤ Δ/2 + 2^−24|ŵ| (2^−22|ŵ| beyond 2^24 levels)")
    func errorBound() throws {
        var rng = QuantRandom(seed: 0x5EED_0001)
        var checked = 0
        for trial in 0..<60 {
            let d = trial % 8
            let qp = (Int(rng.next() % 200) - 150) * (1 << d) / 4
            guard let step = QuantStep(qp: qp, qpDensity: d) else { continue }
            let w = Self.randomTensor(&rng, count: 2000, step: step)
            let q = try UniformQuantizer(step: step).quantize(w)
            let rec = q.reconstructed()
            let delta = Double(step.size)
            for i in w.indices {
                let level = q.levels[i]
                #expect(Int64(level) == Self.referenceLevel(w[i], step.size), "w \(w[i]) at \(step)")
                let err = abs(Double(w[i]) - Double(rec[i]))
                let rel = level.magnitude <= 1 << 24 ? 0x1p-24 : 0x1p-22
                #expect(err <= delta / 2 + rel * Double(rec[i].magnitude), "w \(w[i]) level \(level) at \(step)")
                if step.size.significandBitPattern == 0 && level.magnitude <= 1 << 24 {
                    #expect(err <= delta / 2)
                }
                checked += 1
            }
        }
        #expect(checked > 100_000)
    }

    @Test("ties: (n + ½)Δ rounds away from zero; zeros give 0")
    func ties() throws {
        let step = try #require(QuantStep(qp: -38))
        let u = UniformQuantizer(step: step)
        let delta = step.size
        let w: [Float] = [0.5 * delta, -0.5 * delta, 2.5 * delta, -2.5 * delta, 0, -0.0, 0.4999 * delta]
        #expect(try u.quantize(w).levels == [1, -1, 3, -3, 0, 0, 0])
        #expect(u.level(2.5 * delta) == 3)
    }

    @Test("NaN, infinities and out-of-range weights are reported with their index")
    func invalidInputs() throws {
        let step = try #require(QuantStep(qp: -38))
        let u = UniformQuantizer(step: step)
        for (bad, kind) in [(Float.nan, QuantizationError.Kind.notFinite), (-.infinity, .notFinite),
                            (Float(3e9) * step.size, .outOfRange)] {
            let w: [Float] = [0.1, -0.2, bad, 0.3]
            let error = #expect(throws: QuantizationError.self) { try u.quantize(w) }
            #expect(error?.kind == kind && error?.index == 2)
        }
        // The limit itself is accepted.
        let edge = Float(QuantStep.maxScaledMagnitude * Double(step.size)).nextDown
        #expect(try u.quantize([edge]).levels[0] <= Int32.max - 3)
    }

    @Test("plain rounding at qp −38 reproduces NNCodec's LeNet-300 levels exactly")
    func matchesNNCodec() throws {
        try QuantNNCodecComparison.check(dq: false, lambdaScale: 0, exactLevels: true)
    }
}
