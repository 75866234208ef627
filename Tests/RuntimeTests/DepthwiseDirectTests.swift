import Testing
import TestSupport
import Tensors
@testable import Runtime

/// CKernels' in-place depthwise kernels (`DepthwiseDirect`: rows of positions, the
/// channel-interleaved kernel, the stride-2 phase-split plane) against the portable Swift
/// path, called directly on plane ranges that start and end inside groups of eight channels
/// (the engine only passes whole groups): every plane of a range is computed, nothing outside
/// it is written. (Skipped where the CPU has no AVX2/FMA.)
@Suite struct DepthwiseDirectTests {
    /// (channels, height, width, kernel, stride, pad top/left, pad bottom/right).
    static let shapes: [(Int, Int, Int, Int, Int, Int, Int)] = [
        (16, 14, 14, 3, 1, 1, 1),   // interleaved
        (24, 9, 7, 5, 2, 2, 1),     // interleaved, stride 2, asymmetric pads
        (8, 11, 37, 3, 1, 0, 2),    // rows of positions
        (16, 20, 45, 3, 2, 1, 1),   // stride 2 through the phase-split plane
    ]

    static func axis(_ n: Int, _ k: Int, _ s: Int, _ p0: Int, _ p1: Int) -> AxisPlan {
        AxisPlan(input: n, kernel: k, stride: s, dilation: 1, padBegin: p0, padEnd: p1, output: (n + p0 + p1 - k) / s + 1)
    }

    @Test(arguments: shapes.indices, [Activation.clip(lo: 0, hi: 6), .silu])
    func rangesMatchSwift(_ i: Int, _ act: Activation) throws {
        guard CPUKernels.available else { return }
        let (C, H, W, k, st, p0, p1) = Self.shapes[i]
        let N = 2
        let s = ConvShape(N: N, C: C, M: C, group: C, h: Self.axis(H, k, st, p0, p1), w: Self.axis(W, k, st, p0, p1))
        let scratch = try #require(CPUKernels.depthwiseDirectScratch(s), "shape \(i) is not handled")
        var g = SeededRandom(seed: UInt64(i + 1))
        let x = (0..<(N * C * s.HW)).map { _ in Float.random(in: -2...2, using: &g) }
        let w = (0..<(C * k * k)).map { _ in Float.random(in: -0.5...0.5, using: &g) }
        let b = (0..<C).map { _ in Float.random(in: -0.5...0.5, using: &g) }
        let planes = N * C, OHW = s.OHW, sentinel: Float = 12345
        var want = [Float](repeating: 0, count: planes * OHW)
        var got = [Float](repeating: sentinel, count: planes * OHW)
        let buf = UnsafeMutablePointer<Float>.allocate(capacity: max(scratch, 1))
        defer { buf.deallocate() }
        x.withUnsafeBufferPointer { xp in w.withUnsafeBufferPointer { wp in b.withUnsafeBufferPointer { bp in
            let ep = ConvEpilogue(bias: bp.baseAddress, residual: nil, activation: act, native: false)
            want.withUnsafeMutableBufferPointer { convDepthwise(xp.baseAddress!, wp.baseAddress!, $0.baseAddress!, s, ep, parallel: false) }
            got.withUnsafeMutableBufferPointer { y in
                // First a range inside one group: nothing else may change.
                CPUKernels.depthwiseDirect(s, xp.baseAddress!, wp.baseAddress!, bias: bp.baseAddress, y.baseAddress!, first: 3, count: 4,
                                           activation: act, scratch: scratch > 0 ? buf : nil)
                for p in 0..<planes where p < 3 || p >= 7 {
                    #expect(y[(p * OHW)..<((p + 1) * OHW)].allSatisfy { $0 == sentinel }, "shape \(i): plane \(p) written")
                }
                for (first, end) in [(0, 3), (3, 11), (11, 13), (13, planes)] {
                    CPUKernels.depthwiseDirect(s, xp.baseAddress!, wp.baseAddress!, bias: bp.baseAddress, y.baseAddress! , first: first,
                                               count: end - first, activation: act, scratch: scratch > 0 ? buf : nil)
                }
            }
        } } }
        for j in want.indices {
            #expect(abs(got[j] - want[j]) <= 1e-5 * max(1, abs(want[j])), "shape \(i) \(act) at \(j): \(got[j]) vs \(want[j])")
        }
    }
}
