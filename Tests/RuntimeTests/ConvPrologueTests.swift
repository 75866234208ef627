import Testing
import TestSupport
@testable import Runtime

/// The pre-activation prologue of a convolution (`[Concat →] BatchNormalization → Relu →
/// Conv`): the packing 1×1 GEMM against a plain loop, and the fused plans of the
/// `pre_*` onnxruntime cases (their values are checked by KernelReferenceTests).
@Suite struct ConvPrologueTests {
    /// y = act(W · max(x·a + s, 0) + b + r) with rows of B from scattered planes, for shapes
    /// across the 6-row panels, 16-column strips, 128-column blocks and 256-deep k blocks.
    @Test(arguments: [(1, 1, 1), (7, 20, 143), (13, 300, 130), (26, 513, 210), (6, 256, 16), (12, 257, 33)])
    func packingGEMMMatchesLoop(_ shape: (Int, Int, Int)) throws {
        let (m, k, n) = shape
        let w = CPUKernelsTests.values(m * k, seed: 11, scale: 0.5), x = CPUKernelsTests.values(k * (n + 3), seed: 12, scale: 1)
        let a = CPUKernelsTests.values(k, seed: 13, scale: 1.5), s = CPUKernelsTests.values(k, seed: 14, scale: 0.5)
        let b = CPUKernelsTests.values(m, seed: 15, scale: 1), r = CPUKernelsTests.values(m * n, seed: 16, scale: 1)
        guard CPUKernels.available else { return }
        // Row p of B starts at a row-dependent offset (planes of different arrays).
        let offset = { (p: Int) in p * (n + 3) + (p * 7) % 3 }
        var want = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var acc: Double = 0
                for p in 0..<k { acc += Double(w[i * k + p]) * Double(max(x[offset(p) + j] * a[p] + s[p], 0)) }
                want[i * n + j] = max(Float(acc) + b[i] + r[i * n + j], 0)
            }
        }
        let packed = try #require(w.withUnsafeBufferPointer { CPUKernels.packPointwise($0.baseAddress!, m: m, k: k) })
        var got = [Float](repeating: .nan, count: m * n)
        x.withUnsafeBufferPointer { px in
            let rows = (0..<k).map { Optional(px.baseAddress! + offset($0)) }
            let scratch = [Float](repeating: 0, count: CPUKernels.packingScratch(k: k))
            var sc = scratch
            got.withUnsafeMutableBufferPointer { y in
                sc.withUnsafeMutableBufferPointer { work in
                    CPUKernels.pointwisePacking(packed, m: m, k: k, rows: rows, scale: a, shift: s, preRelu: true, n: n,
                                                y.baseAddress!, bias: b, residual: r, activation: .relu, scratch: work.baseAddress!)
                }
            }
        }
        for i in 0..<(m * n) {
            #expect(abs(got[i] - want[i]) <= 1e-5 * max(1, abs(want[i])), "\(shape) at \(i): \(got[i]) vs \(want[i])")
        }
    }

    /// The small-map kernel (several images per call) against a plain loop: maps of 9, 49 and
    /// 110 pixels (strips over up to three images), with and without the prologue.
    @Test(arguments: [(13, 40, 9, 5, true), (26, 300, 49, 3, false), (7, 520, 110, 2, true), (6, 16, 8, 4, false)])
    func imagesGEMMMatchesLoop(_ c: (Int, Int, Int, Int, Bool)) throws {
        let (m, k, hw, images, pre) = c
        let w = CPUKernelsTests.values(m * k, seed: 21, scale: 0.5), x = CPUKernelsTests.values(images * k * hw, seed: 22, scale: 1)
        let a = CPUKernelsTests.values(k, seed: 23, scale: 1.5), s = CPUKernelsTests.values(k, seed: 24, scale: 0.5)
        let b = CPUKernelsTests.values(m, seed: 25, scale: 1), r = CPUKernelsTests.values(images * m * hw, seed: 26, scale: 1)
        guard CPUKernels.available else { return }
        var want = [Float](repeating: 0, count: images * m * hw)
        for i in 0..<images {
            for o in 0..<m {
                for j in 0..<hw {
                    var acc: Double = 0
                    for p in 0..<k {
                        let v = x[(i * k + p) * hw + j]
                        acc += Double(w[o * k + p]) * Double(pre ? max(v * a[p] + s[p], 0) : v)
                    }
                    let at = (i * m + o) * hw + j
                    want[at] = max(Float(acc) + b[o] + r[at], 0)
                }
            }
        }
        let packed = try #require(w.withUnsafeBufferPointer { CPUKernels.packPointwise($0.baseAddress!, m: m, k: k) })
        var got = [Float](repeating: .nan, count: images * m * hw)
        var work = [Float](repeating: 0, count: CPUKernels.imagesScratch(k: k))
        x.withUnsafeBufferPointer { px in
            let rows = (0..<(images * k)).map { Optional(px.baseAddress! + $0 * hw) }
            got.withUnsafeMutableBufferPointer { y in
                work.withUnsafeMutableBufferPointer { wk in
                    CPUKernels.pointwiseImages(packed, m: m, k: k, rows: rows, scale: pre ? a : nil, shift: pre ? s : nil, hw: hw,
                                               images: images, y.baseAddress!, bias: b, residual: r, activation: .relu,
                                               scratch: wk.baseAddress!)
                }
            }
        }
        for i in 0..<want.count {
            #expect(abs(got[i] - want[i]) <= 1e-5 * max(1, abs(want[i])), "\(c) at \(i): \(got[i]) vs \(want[i])")
        }
    }

    /// Steps of the optimised plan: the Concat, BatchNormalization and Relu before each
    /// convolution are part of its step; after a fused Conv → BN → Relu they stay there.
    @Test(arguments: [("pre_concat_pointwise", 3), ("pre_concat_pointwise_relu", 3), ("pre_concat_small_map", 2),
                      ("pre_concat_3x3", 2), ("bn_relu_conv", 1), ("pre_after_conv_chain", 2)])
    func prologueIsFused(_ c: (String, Int)) throws {
        let (model, _, _) = try KernelReferenceTests.load(c.0)
        let session = try Session(model: model)
        #expect(session.optimisedPlan.steps.count == c.1, "\(c.0): \(session.optimisedPlan.steps.map(\.name))")
        #expect(!session.optimisedPlan.steps.contains { ["Concat", "BatchNormalization"].contains($0.node.opType) })
    }
}
