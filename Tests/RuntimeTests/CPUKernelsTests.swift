import Testing
import TestSupport
@testable import Runtime

/// CPUKernels (AVX2/FMA, C) against the portable Swift loops they replace, on seeded data:
/// every activation, row lengths across the eight-lane tails, bias and residual, NaN and the
/// saturated ends of the exponential; the packed 1×1 GEMM against a plain triple loop.
/// (On a CPU without AVX2/FMA both sides are the Swift path.)
@Suite struct CPUKernelsTests {
    static let activations: [Activation] = [.identity, .relu, .clip(lo: -0.3, hi: 0.4), .sigmoid, .silu,
                                            .hardSigmoid(alpha: 0.3, beta: 0.4), .hardSwish, .leakyRelu(alpha: 0.1)]

    static func values(_ n: Int, seed: UInt64, scale: Float) -> [Float] {
        var g = SeededRandom(seed: seed)
        return (0..<n).map { _ in Float.random(in: -scale...scale, using: &g) }
    }

    @Test(arguments: activations)
    func epilogueMatchesSwift(_ act: Activation) {
        for n in [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 131] {
            let src = Self.values(n, seed: UInt64(n), scale: 12), res = Self.values(n, seed: UInt64(n + 500), scale: 3)
            var want = [Float](repeating: 0, count: n), got = want
            res.withUnsafeBufferPointer { r in src.withUnsafeBufferPointer { s in
                let bias: [Float] = [0.25]
                bias.withUnsafeBufferPointer { b in
                    let swift = ConvEpilogue(bias: b.baseAddress, residual: r.baseAddress, activation: act, native: false)
                    let native = ConvEpilogue(bias: b.baseAddress, residual: r.baseAddress, activation: act, native: true)
                    want.withUnsafeMutableBufferPointer { swift.apply(s.baseAddress!, $0.baseAddress!, count: n, channel: 0, offset: 0) }
                    got.withUnsafeMutableBufferPointer { native.apply(s.baseAddress!, $0.baseAddress!, count: n, channel: 0, offset: 0) }
                }
            } }
            for i in 0..<n {
                #expect(abs(got[i] - want[i]) <= 1e-6 * max(1, abs(want[i])), "\(act) n=\(n) i=\(i): \(got[i]) vs \(want[i])")
            }
        }
    }

    @Test(arguments: activations)
    func extremesAndNaN(_ act: Activation) {
        var x: [Float] = [-1000, -100, -88, -87, 0, 87, 88, 100, 1000, .nan, -0.0, 3]
        var want = x
        want.withUnsafeMutableBufferPointer { act.apply($0.baseAddress!, count: $0.count, native: false) }
        x.withUnsafeMutableBufferPointer { act.apply($0.baseAddress!, count: $0.count, native: true) }
        for i in x.indices {
            if want[i].isNaN || x[i].isNaN {
                // Relu, Clip and the hard activations may map NaN to a bound in either path;
                // the exponential ones propagate it in both.
                if act == .sigmoid || act == .silu || act == .identity { #expect(x[i].isNaN && want[i].isNaN, "\(act) NaN") }
                continue
            }
            #expect(abs(x[i] - want[i]) <= 1e-6 * max(1, abs(want[i])), "\(act) x=\(i): \(x[i]) vs \(want[i])")
        }
    }

    /// y = act(W·x + b + r) for shapes that cross the 6-row panels, the 16-column tiles and
    /// the 192-deep k blocks.
    @Test(arguments: [(1, 1, 1), (7, 20, 143), (13, 400, 130), (6, 192, 16), (12, 193, 33), (38, 500, 200)])
    func pointwiseMatchesLoop(_ shape: (Int, Int, Int)) throws {
        let (m, k, n) = shape
        let w = Self.values(m * k, seed: 1, scale: 0.5), x = Self.values(k * n, seed: 2, scale: 1)
        let b = Self.values(m, seed: 3, scale: 1), r = Self.values(m * n, seed: 4, scale: 1)
        guard CPUKernels.available else { return }
        let silu = Activation.silu
        var want = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var acc: Double = 0
                for p in 0..<k { acc += Double(w[i * k + p]) * Double(x[p * n + j]) }
                want[i * n + j] = silu(Float(acc) + b[i] + r[i * n + j])
            }
        }
        let packed = try #require(w.withUnsafeBufferPointer { CPUKernels.packPointwise($0.baseAddress!, m: m, k: k) })
        var got = [Float](repeating: .nan, count: m * n)
        got.withUnsafeMutableBufferPointer { y in
            CPUKernels.pointwise(packed, m: m, k: k, x, n: n, y.baseAddress!, bias: b, residual: r, activation: .silu)
        }
        for i in 0..<(m * n) {
            #expect(abs(got[i] - want[i]) <= 1e-5 * max(1, abs(want[i])), "\(shape) at \(i): \(got[i]) vs \(want[i])")
        }
    }
}
