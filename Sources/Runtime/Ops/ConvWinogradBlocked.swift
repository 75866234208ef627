/// Winograd F(2×2, 3×3) in blocks of tile rows, for maps of ≥ 128 tiles on CPUKernels.
///
/// The whole-image form (`Winograd.forward`) transforms every tile of a group of images into
/// V (16 × C × tiles: 6.4 MB per 56×56 image of 128 channels), multiplies with OpenBLAS (which
/// copies V once more into its own packing) and transforms back: V passes through memory three
/// times. Here each image is zero-padded once, then a block of tile rows at a time (V of the
/// block ≤ 1 MB, about the L2 of a core) is transformed, multiplied by the packed U_ξ with CPUKernels' GEMM
/// (reading V in place) and transformed back with the epilogue on the block's output rows.
extension Winograd {
    /// Floats of one block's transformed input at most.
    static let blockFloats = 1 << 18

    /// Y = epilogue(conv(X)) with `packed` the 16 U_ξ packed by `CPUKernels.packPanels`.
    static func forwardBlocked(_ X: UnsafePointer<Float>, filters packed: UnsafePointer<Float>, _ Y: UnsafeMutablePointer<Float>,
                               _ s: ConvShape, _ ep: ConvEpilogue, parallel: Bool) {
        let t = Tiling(s)
        let C = s.C, M = s.M, OW = s.w.output
        let R = max(1, min(t.th, blockFloats / (16 * C * t.tw)))   // tile rows per block
        let size = CPUKernels.packedSize(m: M, k: C), plane = t.ph * t.pw
        RuntimeThreading.chunks(s.N, parallel: parallel) { r in
            ScratchPool.shared.with(C * plane + Tiling.slack) { pad in
            ScratchPool.shared.with(16 * C * R * t.tw) { V in
            ScratchPool.shared.with(16 * M * R * t.tw + Tiling.slack) { P in
                // Borders stay zero: every image writes the same interior positions.
                pad.update(repeating: 0, count: C * plane + Tiling.slack)
                for n in r {
                    let x = X + n * C * s.HW, y = Y + n * M * s.OHW
                    for c in 0..<C { t.padPlane(x + c * s.HW, pad + c * plane) }
                    for ty0 in stride(from: 0, to: t.th, by: R) {
                        let rows = ty0..<min(t.th, ty0 + R), width = rows.count * t.tw
                        if !CPUKernels.winogradInput(pad, plane: plane, C: C, pw: t.pw, tw: t.tw, rows: rows, V, ldc: width,
                                                     step: C * width) {
                            for c in 0..<C { t.transformPlane(pad + c * plane, V + c * width, step: C * width, rows: rows) }
                        }
                        for xi in 0..<16 {
                            CPUKernels.pointwise(packed + xi * size, m: M, k: C, V + xi * C * width, n: width, P + xi * M * width,
                                                 bias: nil, residual: nil, activation: .identity)
                        }
                        t.transformOutput(P, M: M, column: 0, ld: width, y, rows: rows)
                        let oy0 = 2 * rows.lowerBound, oy1 = min(s.h.output, 2 * rows.upperBound)
                        for m in 0..<M {
                            let off = (n * M + m) * s.OHW + oy0 * OW
                            ep.apply(Y + off, Y + off, count: (oy1 - oy0) * OW, channel: m, offset: off)
                        }
                    }
                }
            }
            }
            }
        }
    }
}
