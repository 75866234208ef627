import Tensors

/// The 2×2 output tiles of a Winograd F(2×2, 3×3) convolution and the input and output
/// transforms (see `Winograd`).
struct Tiling {
    let h: AxisPlan, w: AxisPlan
    /// Tile rows and columns per image.
    let th: Int, tw: Int
    /// Rows and columns of the zero-padded input plane every tile reads from.
    let ph: Int, pw: Int

    init(_ s: ConvShape) {
        h = s.h; w = s.w
        th = (h.output + 1) / 2; tw = (w.output + 1) / 2
        ph = 2 * th + 2; pw = 2 * tw + 2
    }

    var tilesPerImage: Int { th * tw }

    /// V[ξ][c][column + tile] = (Bᵀ d B)[ξ] for the 4×4 patch d of each tile of channel c.
    func transformInput(_ x: UnsafePointer<Float>, C: Int, _ V: UnsafeMutablePointer<Float>, column: Int, ld: Int) {
        let W = w.input, H = h.input, HW = H * W
        ScratchPool.shared.with(ph * pw + 4) { pad in
            pad.update(repeating: 0, count: ph * pw + 4)
            for c in 0..<C {
                // Padded row r holds input row r − padBegin (columns shifted the same way);
                // rows and columns outside the input stay zero from the first fill.
                let xc = x + c * HW
                for r in 0..<ph {
                    let iy = r - h.padBegin
                    guard iy >= 0, iy < H else { continue }
                    let lo = max(0, w.padBegin), n = min(W, pw - w.padBegin) - max(0, -w.padBegin)
                    if n > 0 { (pad + r * pw + lo).update(from: xc + iy * W + max(0, -w.padBegin), count: n) }
                }
                var tile = 0
                for ty in 0..<th {
                    for tx in 0..<tw {
                        let d = pad + 2 * ty * pw + 2 * tx
                        let d0 = load4(d), d1 = load4(d + pw), d2 = load4(d + 2 * pw), d3 = load4(d + 3 * pw)
                        let base = V + c * ld + column + tile, step = C * ld
                        // Rows of Bᵀ d, then each row times B.
                        store(d0 - d2, base, step)
                        store(d1 + d2, base + 4 * step, step)
                        store(d2 - d1, base + 8 * step, step)
                        store(d1 - d3, base + 12 * step, step)
                        tile += 1
                    }
                }
            }
        }
    }

    /// y[m] = Aᵀ P A for every tile, P[ξ][m][column + tile] the GEMM results; the edges of
    /// odd-sized outputs keep only the tile's valid entries.
    func transformOutput(_ P: UnsafePointer<Float>, M: Int, column: Int, ld: Int, _ y: UnsafeMutablePointer<Float>) {
        let OH = h.output, OW = w.output, stride = M * ld
        for m in 0..<M {
            let ym = y + m * OH * OW
            var tile = 0
            for ty in 0..<th {
                for tx in 0..<tw {
                    let p = P + m * ld + column + tile
                    func row(_ i: Int) -> SIMD4<Float> {
                        SIMD4(p[(4 * i) * stride], p[(4 * i + 1) * stride], p[(4 * i + 2) * stride], p[(4 * i + 3) * stride])
                    }
                    let r0 = row(0), r1 = row(1), r2 = row(2), r3 = row(3)
                    let u0 = r0 + r1 + r2, u1 = r1 - r2 - r3                 // Aᵀ P
                    let oy = 2 * ty, ox = 2 * tx
                    let dst = ym + oy * OW + ox
                    dst[0] = u0[0] + u0[1] + u0[2]
                    if ox + 1 < OW { dst[1] = u0[1] - u0[2] - u0[3] }
                    if oy + 1 < OH {
                        dst[OW] = u1[0] + u1[1] + u1[2]
                        if ox + 1 < OW { dst[OW + 1] = u1[1] - u1[2] - u1[3] }
                    }
                    tile += 1
                }
            }
        }
    }

    /// The four entries of row t·B (t a row of Bᵀ d), one per ξ plane.
    @inline(__always)
    private func store(_ t: SIMD4<Float>, _ p: UnsafeMutablePointer<Float>, _ step: Int) {
        p[0] = t[0] - t[2]
        p[step] = t[1] + t[2]
        p[2 * step] = t[2] - t[1]
        p[3 * step] = t[1] - t[3]
    }

    @inline(__always)
    private func load4(_ p: UnsafePointer<Float>) -> SIMD4<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self)
    }
}
