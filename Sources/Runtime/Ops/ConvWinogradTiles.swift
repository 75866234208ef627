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
        let HW = h.input * w.input
        ScratchPool.shared.with(ph * pw + Tiling.slack) { pad in
            pad.update(repeating: 0, count: ph * pw + Tiling.slack)
            for c in 0..<C {
                padPlane(x + c * HW, pad)
                transformPlane(pad, V + c * ld + column, step: C * ld, rows: 0..<th)
            }
        }
    }

    /// Copies one input plane into the interior of a zero-bordered ph × pw plane: padded row r
    /// holds input row r − padBegin (columns shifted the same way); rows and columns outside
    /// the input are left as they are (zero from the first fill).
    func padPlane(_ xc: UnsafePointer<Float>, _ pad: UnsafeMutablePointer<Float>) {
        let W = w.input, H = h.input
        for r in 0..<ph {
            let iy = r - h.padBegin
            guard iy >= 0, iy < H else { continue }
            let lo = max(0, w.padBegin), n = min(W, pw - w.padBegin) - max(0, -w.padBegin)
            if n > 0 { (pad + r * pw + lo).update(from: xc + iy * W + max(0, -w.padBegin), count: n) }
        }
    }

    /// The input transform of the tiles in tile rows `rows` of one padded plane: the value ξ
    /// of tile (ty, tx) goes to base[ξ · step + (ty − rows.lowerBound) · tw + tx].
    func transformPlane(_ pad: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, step: Int, rows: Range<Int>) {
        for ty in rows {
            var tx = 0
            while tx < tw {
                // Eight tiles at once: lane l holds tile tx + l.
                let d = pad + 2 * ty * pw + 2 * tx, n = min(8, tw - tx)
                let r0 = columns(d), r1 = columns(d + pw), r2 = columns(d + 2 * pw), r3 = columns(d + 3 * pw)
                let base = out + (ty - rows.lowerBound) * tw + tx
                // Rows of Bᵀ d, then each row times B.
                storeRow(r0.0 - r2.0, r0.1 - r2.1, r0.2 - r2.2, r0.3 - r2.3, base, step, n)
                storeRow(r1.0 + r2.0, r1.1 + r2.1, r1.2 + r2.2, r1.3 + r2.3, base + 4 * step, step, n)
                storeRow(r2.0 - r1.0, r2.1 - r1.1, r2.2 - r1.2, r2.3 - r1.3, base + 8 * step, step, n)
                storeRow(r1.0 - r3.0, r1.1 - r3.1, r1.2 - r3.2, r1.3 - r3.3, base + 12 * step, step, n)
                tx += 8
            }
        }
    }

    /// Floats read past the padded plane by the last eight-tile group (and past the GEMM
    /// output by the last output group); their lanes are discarded.
    static let slack = 32

    /// Columns 0…3 of eight consecutive 4×4 patches in one padded row (patch l starts at
    /// column 2l): the even and odd halves of two sixteen-wide loads.
    @inline(__always)
    private func columns(_ p: UnsafePointer<Float>) -> (F8, F8, F8, F8) {
        let a = UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
        let b = UnsafeRawPointer(p + 2).loadUnaligned(as: SIMD16<Float>.self)
        return (a.evenHalf, a.oddHalf, b.evenHalf, b.oddHalf)
    }

    /// Row t·B of the input transform (t a row of Bᵀ d, as four column vectors over eight
    /// tiles): four ξ planes, `n` valid tiles each.
    @inline(__always)
    private func storeRow(_ q0: F8, _ q1: F8, _ q2: F8, _ q3: F8, _ p: UnsafeMutablePointer<Float>, _ step: Int, _ n: Int) {
        put(q0 - q2, p, n)
        put(q1 + q2, p + step, n)
        put(q2 - q1, p + 2 * step, n)
        put(q1 - q3, p + 3 * step, n)
    }

    @inline(__always)
    private func put(_ v: F8, _ p: UnsafeMutablePointer<Float>, _ n: Int) {
        if n == 8 {
            UnsafeMutableRawPointer(p).storeBytes(of: v, as: F8.self)
        } else {
            for l in 0..<n { p[l] = v[l] }
        }
    }

    /// y[m] = Aᵀ P A for every tile (of tile rows `rows`; tile (ty, tx) at column +
    /// (ty − rows.lowerBound) · tw + tx), P[ξ][m][column + tile] the GEMM results; the edges of
    /// odd-sized outputs keep only the tile's valid entries.
    func transformOutput(_ P: UnsafePointer<Float>, M: Int, column: Int, ld: Int, _ y: UnsafeMutablePointer<Float>,
                         rows: Range<Int>? = nil) {
        let OH = h.output, OW = w.output, stride = M * ld
        let rows = rows ?? 0..<th
        for m in 0..<M {
            let ym = y + m * OH * OW
            for ty in rows {
                let top = ym + 2 * ty * OW, twoRows = 2 * ty + 1 < OH
                var tx = 0
                while tx < tw {
                    // Eight tiles at once; rows i of the 4×4 product, one vector per column.
                    let p = P + m * ld + column + (ty - rows.lowerBound) * tw + tx, n = min(8, tw - tx)
                    @inline(__always) func at(_ xi: Int) -> F8 {
                        UnsafeRawPointer(p + xi * stride).loadUnaligned(as: F8.self)
                    }
                    // Aᵀ P: u0 = row0 + row1 + row2, u1 = row1 − row2 − row3 (per column k).
                    let u00 = at(0) + at(4) + at(8), u01 = at(1) + at(5) + at(9)
                    let u02 = at(2) + at(6) + at(10), u03 = at(3) + at(7) + at(11)
                    let u10 = at(4) - at(8) - at(12), u11 = at(5) - at(9) - at(13)
                    let u12 = at(6) - at(10) - at(14), u13 = at(7) - at(11) - at(15)
                    // (Aᵀ P) A.
                    let y00 = u00 + u01 + u02, y01 = u01 - u02 - u03
                    let y10 = u10 + u11 + u12, y11 = u11 - u12 - u13
                    if n == 8 && twoRows && 2 * tx + 16 <= OW {
                        // A whole group inside the output: no edge checks.
                        let t0 = top + 2 * tx, t1 = t0 + OW
                        for l in 0..<8 {
                            t0[2 * l] = y00[l]; t0[2 * l + 1] = y01[l]
                            t1[2 * l] = y10[l]; t1[2 * l + 1] = y11[l]
                        }
                        tx += 8
                        continue
                    }
                    for l in 0..<n {
                        let ox = 2 * (tx + l)
                        top[ox] = y00[l]
                        if twoRows { top[OW + ox] = y10[l] }
                        if ox + 1 < OW {
                            top[ox + 1] = y01[l]
                            if twoRows { top[OW + ox + 1] = y11[l] }
                        }
                    }
                    tx += 8
                }
            }
        }
    }
}
