// Conv as GEMM: im2col of Tensors (or a padded "wide" unfolding, or none for 1×1) + sgemm.

/// Y = epilogue(conv(X, W)): the images are split into one chunk per core; within a
/// chunk, `nb` images at a time are unfolded side by side (im2col, skipped for 1×1
/// stride-1 convolutions of single images) and multiplied by W in one single-threaded
/// GEMM per group, written straight into Y when nb = 1.
func convForward(_ X: UnsafePointer<Float>, _ Wp: UnsafePointer<Float>, _ Y: UnsafeMutablePointer<Float>,
                 _ s: ConvShape, _ ep: ConvEpilogue, strategy: RuntimeThreading.ConvStrategy, parallel: Bool,
                 winogradFilters: UnsafePointer<Float>? = nil) {
    let C = s.C, M = s.M, HW = s.HW, OHW = s.OHW, K = s.K, Cg = s.Cg, Mg = s.Mg, h = s.h, w = s.w
    if s.depthwise {
        convDepthwise(X, Wp, Y, s, ep, parallel: parallel)
        return
    }
    if Winograd.applies(s) {
        Winograd.forward(X, Wp, Y, s, ep, parallel: parallel, filters: winogradFilters)
        return
    }
    let pointwise = s.pointwise
    // Stride-1 convolutions run on a zero-padded copy of the input: each unfolded row is
    // then one contiguous copy, and the GEMM computes a "wide" output of OH × PW columns
    // of which the first OW of each row are kept.
    let PH = h.input + h.padBegin + h.padEnd, PW = w.input + w.padBegin + w.padEnd
    // Used when the extra GEMM columns (Mg·(PW − OW) per output row) cost less than the
    // many short row copies of the plain unfolding (measured break-even ≈ 200).
    let wide = !pointwise && h.stride == 1 && w.stride == 1 && Mg * (PW - w.output) <= 192
    let cols = wide ? h.output * PW : OHW      // GEMM columns per image
    let slack = (w.kernel - 1) * w.dilation    // the last wide row reads this far past the plane
    // Images per GEMM wanted for small feature maps: ≥ 256 columns (or all, batched).
    let nbWanted = strategy == .batched ? s.N : max(1, (256 + cols - 1) / cols)
    RuntimeThreading.chunks(s.N, parallel: parallel, minChunk: min(nbWanted, max(1, s.N / RuntimeThreading.cores))) { r in
        let count = r.count
        // Images per GEMM: enough for ≥ 256 columns (perImage) or as many as the budget
        // allows (batched), never more than the chunk.
        let budget = RuntimeThreading.im2colBudget / max(1, K * cols)
        var nb = strategy == .batched ? budget : (256 + cols - 1) / cols
        nb = max(1, min(nb, count, budget))
        let direct = nb == 1 && !wide              // GEMM output straight into Y
        ScratchPool.shared.with(pointwise && nb == 1 ? 1 : K * nb * cols) { col in
        ScratchPool.shared.with(direct ? 1 : Mg * nb * cols) { tmp in
        ScratchPool.shared.with(wide ? Cg * PH * PW + slack : 1) { pad in
            if wide { pad.update(repeating: 0, count: Cg * PH * PW + slack) }
            var n0 = r.lowerBound
            while n0 < r.upperBound {
                let cnt = min(nb, r.upperBound - n0)
                let width = cnt * cols
                for g in 0..<s.group {
                    var src = UnsafePointer(col)
                    for i in 0..<cnt {
                        let xg = X + ((n0 + i) * C + g * Cg) * HW
                        if wide {
                            unfoldWide(xg, s, pad: pad, PH: PH, PW: PW, col + i * cols, cols: cols, ld: width)
                        } else if pointwise {
                            if cnt == 1 { src = xg; break }
                            for c in 0..<Cg { (col + c * width + i * OHW).update(from: xg + c * HW, count: OHW) }
                        } else {
                            im2col(xg, channels: Cg, h, w, col + i * OHW, ld: width)
                        }
                    }
                    if direct {
                        gemmInBlocks(Wp + g * Mg * K, src, Y, s, image: n0, group: g, ep)
                        continue
                    }
                    sgemm(transA: false, transB: false, m: Mg, n: width, k: K, alpha: 1, a: Wp + g * Mg * K, lda: K,
                          b: src, ldb: width, beta: 0, c: tmp, ldc: width)
                    for i in 0..<cnt {
                        for m in 0..<Mg {
                            let off = ((n0 + i) * M + g * Mg + m) * OHW
                            let t = tmp + m * width + i * cols
                            if wide {
                                for oy in 0..<h.output {
                                    ep.apply(t + oy * PW, Y + off + oy * w.output, count: w.output, channel: g * Mg + m, offset: off + oy * w.output)
                                }
                            } else {
                                ep.apply(t, Y + off, count: OHW, channel: g * Mg + m, offset: off)
                            }
                        }
                    }
                }
                n0 += cnt
            }
        } } }
    }
}

/// Unfolds one image group for a stride-1 convolution through a zero-padded copy: each
/// unfolded row is one contiguous copy of `cols` floats (a "wide" output row of PW columns).
private func unfoldWide(_ xg: UnsafePointer<Float>, _ s: ConvShape, pad: UnsafeMutablePointer<Float>, PH: Int, PW: Int,
                        _ col: UnsafeMutablePointer<Float>, cols: Int, ld: Int) {
    let h = s.h, w = s.w, HW = s.HW
    // Interior of the padded planes (borders stay zero).
    for c in 0..<s.Cg {
        let pc = pad + c * PH * PW + h.padBegin * PW + w.padBegin, xc = xg + c * HW
        for y in 0..<h.input { (pc + y * PW).update(from: xc + y * w.input, count: w.input) }
    }
    var row = col
    for c in 0..<s.Cg {
        for ki in 0..<h.kernel {
            for kj in 0..<w.kernel {
                row.update(from: pad + c * PH * PW + ki * h.dilation * PW + kj * w.dilation, count: cols)
                row += ld
            }
        }
    }
}

/// Y (image `n`, group `g`) = epilogue(W_g · B) for one image, in column blocks small enough
/// that a block's output (Mg rows) is still in cache when the epilogue runs over it.
private func gemmInBlocks(_ wg: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ Y: UnsafeMutablePointer<Float>,
                          _ s: ConvShape, image n: Int, group g: Int, _ ep: ConvEpilogue) {
    let Mg = s.Mg, K = s.K, OHW = s.OHW
    let yg = Y + (n * s.M + g * Mg) * OHW
    let block = max(128, (49152 / Mg) & ~63)
    var j0 = 0
    while j0 < OHW {
        let nc = min(block, OHW - j0)
        sgemm(transA: false, transB: false, m: Mg, n: nc, k: K, alpha: 1, a: wg, lda: K,
              b: b + j0, ldb: OHW, beta: 0, c: yg + j0, ldc: OHW)
        for m in 0..<Mg {
            let off = (n * s.M + g * Mg + m) * OHW + j0
            ep.apply(Y + off, Y + off, count: nc, channel: g * Mg + m, offset: off)
        }
        j0 += nc
    }
}
