import Tensors

/// 3×3, stride-1, undilated, ungrouped convolution by Winograd's minimal filtering F(2×2, 3×3).
///
/// Every 2×2 block of outputs ("tile") is computed from the 4×4 input patch around it:
/// Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A, with the sum over input channels inside the ⊙ term.
/// Grouping the 16 element positions ξ of the 4×4 products turns that sum into 16 GEMMs,
/// U_ξ (M × C filters) · V_ξ (C × tiles), which need 16/36 = 4/9 of the multiplications of
/// the direct 3×3 GEMM. The transforms use only additions and halvings, so the result
/// differs from direct convolution by a few float rounding steps (tested against
/// onnxruntime). Matrices (Lavin & Gray, 2016):
///   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1], G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],
///   Aᵀ = [1 1 1 0; 0 1 −1 −1].
enum Winograd {
    /// True when `s` is a convolution this kernel handles and it pays (enough channels for
    /// the transforms to be small next to the GEMMs).
    static func applies(_ s: ConvShape) -> Bool {
        s.group == 1 && s.h.kernel == 3 && s.w.kernel == 3 && s.h.stride == 1 && s.w.stride == 1
            && s.h.dilation == 1 && s.w.dilation == 1 && s.C >= 16 && s.M >= 16
            && s.h.output >= 2 && s.w.output >= 2
    }

    /// Floats of transformed input (and of GEMM output) per thread at most.
    static let budget = 4 << 20

    /// U (16 × M × C) for the filters `W` of `s`; with `packed`, followed by each U_ξ packed
    /// for CPUKernels' GEMM (`packedFilters`).
    static func filters(_ W: [Float], _ s: ConvShape, parallel: Bool, packed: Bool) -> [Float] {
        let count = filterFloats(s, packed: packed)
        return [Float](unsafeUninitializedCapacity: count) { u, c in
            W.withUnsafeBufferPointer { transformFilters($0.baseAddress!, u.baseAddress!, s, parallel: parallel, packed: packed) }
            c = count
        }
    }

    /// Floats of `filters`' result.
    static func filterFloats(_ s: ConvShape, packed: Bool) -> Int {
        16 * s.M * s.C + (packed ? 16 * CPUKernels.packedSize(m: s.M, k: s.C) : 0)
    }

    /// The packed U_ξ after the plain U of `filters(…, packed: true)`.
    static func packedFilters(_ U: UnsafePointer<Float>, _ s: ConvShape) -> UnsafePointer<Float> { U + 16 * s.M * s.C }

    /// Writes U (16 × M × C) for the filters `W` of `s`, split over the cores (then, with
    /// `packed`, the packed U_ξ after it).
    static func transformFilters(_ W: UnsafePointer<Float>, _ U: UnsafeMutablePointer<Float>, _ s: ConvShape, parallel: Bool,
                                 packed: Bool) {
        RuntimeThreading.chunks(s.M * s.C, parallel: parallel, minChunk: 4096) { r in
            transformFilters(W, U, plane: s.M * s.C, r)
        }
        guard packed else { return }
        let size = CPUKernels.packedSize(m: s.M, k: s.C), dst = U + 16 * s.M * s.C
        RuntimeThreading.chunks(16, parallel: parallel && s.M * s.C >= 4096) { r in
            for xi in r { CPUKernels.packPanels(U + xi * s.M * s.C, m: s.M, k: s.C, into: dst + xi * size) }
        }
    }

    /// Y = epilogue(conv(X, W)), with W's transformed filters when given (cached), else
    /// transformed for this call.
    static func forward(_ X: UnsafePointer<Float>, _ W: UnsafePointer<Float>, _ Y: UnsafeMutablePointer<Float>,
                        _ s: ConvShape, _ ep: ConvEpilogue, parallel: Bool, filters: UnsafePointer<Float>?) {
        if let filters {
            forward(X, filters: filters, Y, s, ep, parallel: parallel)
            return
        }
        let packed = blocked(s, ep)
        ScratchPool.shared.with(filterFloats(s, packed: packed)) { u in
            transformFilters(W, u, s, parallel: parallel, packed: packed)
            forward(X, filters: u, Y, s, ep, parallel: parallel)
        }
    }

    /// True when `forward` takes the blocked path (`forwardBlocked`), which needs the packed
    /// filters: CPUKernels on, and maps of ≥ 128 tiles (28×28 and up; smaller maps multiply
    /// several images side by side).
    static func blocked(_ s: ConvShape, _ ep: ConvEpilogue) -> Bool {
        ep.native && CPUKernels.available && Tiling(s).tilesPerImage >= 128
    }

    /// Y = epilogue(conv(X)) with the transformed filters `U` (from `transformFilters`).
    static func forward(_ X: UnsafePointer<Float>, filters U: UnsafePointer<Float>, _ Y: UnsafeMutablePointer<Float>,
                        _ s: ConvShape, _ ep: ConvEpilogue, parallel: Bool) {
        if blocked(s, ep) {
            forwardBlocked(X, filters: packedFilters(U, s), Y, s, ep, parallel: parallel)
            return
        }
        let t = Tiling(s)
        let perImage = t.tilesPerImage
        // Enough images per GEMM for ≥ 512 columns, within the budget and the batch share.
        let fit = max(1, budget / (16 * max(s.C, s.M) * perImage))
        let want = min(fit, max(1, (512 + perImage - 1) / perImage))
        let minChunk = min(want, max(1, s.N / RuntimeThreading.cores))
        RuntimeThreading.chunks(s.N, parallel: parallel, minChunk: minChunk) { r in
            let nb = max(1, min(want, r.count))
            ScratchPool.shared.with(16 * s.C * nb * perImage) { V in
            ScratchPool.shared.with(16 * s.M * nb * perImage + Tiling.slack) { P in
                var n0 = r.lowerBound
                while n0 < r.upperBound {
                    let cnt = min(nb, r.upperBound - n0)
                    let cols = cnt * perImage
                    for i in 0..<cnt {
                        t.transformInput(X + (n0 + i) * s.C * s.HW, C: s.C, V, column: i * perImage, ld: cols)
                    }
                    for xi in 0..<16 {
                        sgemm(transA: false, transB: false, m: s.M, n: cols, k: s.C, alpha: 1,
                              a: U + xi * s.M * s.C, lda: s.C, b: V + xi * s.C * cols, ldb: cols,
                              beta: 0, c: P + xi * s.M * cols, ldc: cols)
                    }
                    for i in 0..<cnt {
                        let y = Y + (n0 + i) * s.M * s.OHW
                        t.transformOutput(P, M: s.M, column: i * perImage, ld: cols, y)
                        for m in 0..<s.M {
                            let off = ((n0 + i) * s.M + m) * s.OHW
                            ep.apply(Y + off, Y + off, count: s.OHW, channel: m, offset: off)
                        }
                    }
                    n0 += cnt
                }
            }
            }
        }
    }

    /// U[ξ][m][c] = (G g Gᵀ)[ξ] for the 3×3 filter g of output channel m, input channel c.
    /// (Filters `r` of the M·C = `plane` filters.)
    static func transformFilters(_ W: UnsafePointer<Float>, _ U: UnsafeMutablePointer<Float>, plane: Int, _ r: Range<Int>) {
        for o in r {
            let g = W + o * 9
            // Column j of G g (4 values) from column j of g.
            func column(_ j: Int) -> SIMD4<Float> {
                let g0 = g[j], g1 = g[3 + j], g2 = g[6 + j]
                return SIMD4(g0, 0.5 * (g0 + g1 + g2), 0.5 * (g0 - g1 + g2), g2)
            }
            let c0 = column(0), c1 = column(1), c2 = column(2)
            // Row i of (G g) Gᵀ is (r0, ½(r0+r1+r2), ½(r0−r1+r2), r2) with r = row i of G g;
            // the four vectors below hold those entries for all four rows at once.
            let e0 = c0, e1 = 0.5 * (c0 + c1 + c2), e2 = 0.5 * (c0 - c1 + c2), e3 = c2
            for i in 0..<4 {
                let u = U + 4 * i * plane + o
                u[0] = e0[i]; u[plane] = e1[i]; u[2 * plane] = e2[i]; u[3 * plane] = e3[i]
            }
        }
    }
}
