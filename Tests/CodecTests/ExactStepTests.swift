import Testing
@testable import Codec
import ONNXIO
import TestSupport

/// The qps a tensor can carry at model qp −32 (`-q 8`), density 2: −160...95, so steps
/// 2^−40 ... 2^23.
private let q8Qps: ClosedRange<Int> = {
    var mps = NNRModelParameterSet()
    mps.quantizationParameter = -32
    return mps.signallableQps
}()

private func choose(_ values: [Float], qps: ClosedRange<Int> = q8Qps) -> ExactStep.Choice {
    ExactStep.choose(values, qpDensity: 2, qps: qps)
}

/// Whether the levels reconstruct every value bit for bit, as both decoders compute it.
private func reconstructsExactly(_ values: [Float], _ s: ExactStep) -> Bool {
    let step = NNRQuantization.stepSize(qp: s.qp, qpDensity: 2)
    return zip(values, s.levels).allSatisfy { (Float($1) * step).bitPattern == $0.bitPattern }
}

@Suite("exact power-of-two steps (ExactStep)")
struct ExactStepTests {
    @Test("the step is the lowest set bit: 2 → 2^1, 1/255 → 2^−31, negatives, halves")
    func lowestSetBit() throws {
        let two = try #require(choose([2]).step)
        #expect(two.exponent == 1 && two.qp == 4 && two.levels == [1])
        let v = Float(1) / 255
        let third = try #require(choose([v]).step)
        #expect(third.exponent == -31 && third.levels == [Int32(v.significandBitPattern | 1 << 23)])
        let mixed = try #require(choose([-0.5, 1.5, -3, 0, 1024]).step)
        #expect(mixed.exponent == -1 && mixed.levels == [-1, 3, -6, 0, 2048])
        for s in [two, third, mixed] { #expect(s.qp == s.exponent * 4) }
        #expect(reconstructsExactly([-0.5, 1.5, -3, 0, 1024], mixed) && reconstructsExactly([v], third))
    }

    @Test("levels below 2^24 are accepted, 2^24 is refused (dynamic range)")
    func dynamicRange() throws {
        let edge: [Float] = [1, 0x1p-23, -0x1.fffffep0]
        let s = try #require(choose(edge).step)
        #expect(s.exponent == -23 && s.levels.map(\.magnitude).max() == (1 << 24) - 1 && reconstructsExactly(edge, s))
        #expect(choose([1, 0x1p-24]) == .refused(.noSignallableStep))
        #expect(choose([1e6, 1e-6]) == .refused(.noSignallableStep))
    }

    @Test("±inf, NaN and −0 have no level")
    func specials() {
        #expect(choose([1, .infinity]) == .refused(.nonFinite))
        #expect(choose([-.infinity]) == .refused(.nonFinite))
        #expect(choose([.nan, 2]) == .refused(.nonFinite))
        #expect(choose([1, -0.0]) == .refused(.negativeZero))
    }

    @Test("steps the qp offset cannot signal: 1e-30 and subnormals refused at -q 8; 1e-30 exact when the range allows; 2^40 at a lower step")
    func signallableRange() throws {
        #expect(choose([1e-30]) == .refused(.noSignallableStep))
        #expect(choose([.leastNonzeroMagnitude]) == .refused(.noSignallableStep))
        #expect(choose([.leastNormalMagnitude * 0.75], qps: -4096...4095) == .refused(.noSignallableStep))
        let tiny = try #require(choose([1e-30, -1e-30, 0], qps: -600...0).step)
        #expect(reconstructsExactly([1e-30, -1e-30, 0], tiny))
        let big = try #require(choose([0x1p40, 0x1p30]).step)
        #expect(big.exponent == 23 && big.levels == [1 << 17, 1 << 7])
        #expect(choose([0x1p40, 1]) == .refused(.noSignallableStep))
    }

    @Test("all zeros: level 0 at a signallable step")
    func zeros() throws {
        let s = try #require(choose([0, 0, 0]).step)
        #expect(s.levels == [0, 0, 0] && q8Qps.contains(s.qp))
        let high = try #require(choose([0], qps: 40...60).step)
        #expect(high.exponent == 10)
    }

    @Test("random values m · 2^e with |m| < 2^24 always get an exact step", arguments: [1, 2, 3])
    func randomValues(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        for _ in 0..<200 {
            let e = Int.random(in: -35...(-5), using: &rng)
            let values = (0..<Int.random(in: 1...9, using: &rng)).map { _ -> Float in
                let m = Int32.random(in: -(1 << 23)...(1 << 23), using: &rng)
                return Float(m == 0 ? 1 : m) * Float(sign: .plus, exponent: e, significand: 1)
            }
            let s = try #require(choose(values).step, "\(values)")
            #expect(s.exponent >= e && reconstructsExactly(values, s))
        }
    }
}
