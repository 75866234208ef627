import Testing
import TestSupport
import Tensors
@testable import Runtime

/// CKernels' grouped kernel (`ck_grouped_conv`, channels in the vector lanes) against the
/// portable Swift convolution, called directly on (group, image) item ranges: the AVX2 tiles
/// and, where the CPU has AVX-512F, the wide tiles; 8, 16, 24 and 32 output channels per
/// group, strides 1/2/3, dilation 2, bias + residual + SiLU and bias + Relu. A partial range writes only its
/// items. (Skipped where the CPU has no AVX2/FMA.)
@Suite struct GroupedLanesTests {
    /// (groups, Cg, Mg, height, width, kernel, stride, dilation, pad).
    static let shapes: [(Int, Int, Int, Int, Int, Int, Int, Int, Int)] = [
        (3, 16, 16, 7, 7, 3, 1, 1, 1),     // RegNetX's 7×7 stage: 49 = 3 · 14 + 7 positions
        (2, 8, 8, 9, 11, 3, 1, 1, 1),      // 8 per group: the 8-channel tile only
        (2, 24, 24, 13, 30, 3, 2, 1, 1),   // 16 + 8, stride 2, rows of 15 = 14 + 1
        (2, 32, 32, 12, 10, 3, 1, 2, 2),   // dilation 2
        (2, 16, 16, 29, 17, 5, 3, 1, 2),   // 5×5, stride 3
    ]

    static func axis(_ n: Int, _ k: Int, _ s: Int, _ d: Int, _ p: Int) -> AxisPlan {
        AxisPlan(input: n, kernel: k, stride: s, dilation: d, padBegin: p, padEnd: p, output: (n + 2 * p - (k - 1) * d - 1) / s + 1)
    }

    /// `relu`: bias + Relu without a residual (applied on the channel lanes before the
    /// transposes), else bias + residual + SiLU (after them).
    @Test(arguments: shapes.indices, [(false, false), (true, false), (false, true), (true, true)])
    func itemsMatchSwift(_ i: Int, _ variant: (wide: Bool, relu: Bool)) throws {
        let (wide, relu) = variant
        let act: Activation = relu ? .relu : .silu
        guard CPUKernels.available, !wide || CPUKernels.wide else { return }
        let (G, Cg, Mg, H, W, k, st, d, p) = Self.shapes[i]
        let N = 3, C = G * Cg, M = G * Mg
        let s = ConvShape(N: N, C: C, M: M, group: G, h: Self.axis(H, k, st, d, p), w: Self.axis(W, k, st, d, p))
        #expect(PhasedConv.applies(s, native: true) && PhasedConv.lanesApply(s))
        var g = SeededRandom(seed: UInt64(i + 11))
        let x = (0..<(N * C * s.HW)).map { _ in Float.random(in: -2...2, using: &g) }
        let w = (0..<(M * s.K)).map { _ in Float.random(in: -0.3...0.3, using: &g) }
        let b = (0..<M).map { _ in Float.random(in: -0.5...0.5, using: &g) }
        let r = (0..<(N * M * s.OHW)).map { _ in Float.random(in: -1...1, using: &g) }
        let per = Mg * s.OHW, items = G * N, sentinel: Float = 12345
        var want = [Float](repeating: 0, count: N * M * s.OHW)
        var got = [Float](repeating: sentinel, count: want.count)
        let conv = PhasedConv(s), rows = conv.rowOffsets()
        let packed = try #require(w.withUnsafeBufferPointer { conv.packLanes($0.baseAddress!) })
        let pad = UnsafeMutablePointer<Float>.allocate(capacity: CPUKernels.groupedScratch(conv))
        defer { pad.deallocate() }
        x.withUnsafeBufferPointer { xp in w.withUnsafeBufferPointer { wp in b.withUnsafeBufferPointer { bp in r.withUnsafeBufferPointer { rp in
            let res = relu ? nil : rp.baseAddress
            let ep = ConvEpilogue(bias: bp.baseAddress, residual: res, activation: act, native: false)
            want.withUnsafeMutableBufferPointer {
                convForward(xp.baseAddress!, wp.baseAddress!, $0.baseAddress!, s, ep, strategy: .perImage, parallel: false)
            }
            got.withUnsafeMutableBufferPointer { y in rows.withUnsafeBufferPointer { ro in packed.withUnsafeBufferPointer { pk in
                let yb = y.baseAddress!
                func call(_ range: Range<Int>) {
                    CPUKernels.groupedConv(conv, offsets: ro.baseAddress!, packed: pk.baseAddress!, xp.baseAddress!, bias: bp.baseAddress,
                                           residual: res, yb, items: range, activation: act, wide: wide,
                                           scratch: pad)
                }
                call(2..<4)   // groups 0 and 1 of images 2 and 0: nothing else may change
                for item in 0..<items where item != 2 && item != 3 {
                    let off = ((item % N) * G + item / N) * per
                    #expect(UnsafeBufferPointer(start: yb + off, count: per).allSatisfy { $0 == sentinel }, "shape \(i): item \(item) written")
                }
                call(0..<2)
                call(4..<items)
            } } }
        } } } }
        for j in want.indices {
            #expect(abs(got[j] - want[j]) <= 1e-5 * max(1, abs(want[j])), "shape \(i) wide \(wide) relu \(relu) at \(j): \(got[j]) vs \(want[j])")
        }
    }
}
