// Conv (im2col of Tensors + sgemm, direct depthwise) and ConvTranspose (sgemm + col2im).

/// Direct depthwise convolution of one channel.
private func depthwise(_ x: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ h: AxisPlan, _ w: AxisPlan, bias: Float, _ y: UnsafeMutablePointer<Float>) {
    if h.stride != 1 || w.stride != 1 { depthwiseStrided(x, k, h, w, bias: bias, y); return }
    // Stride 1: accumulate kernel tap by tap over whole output rows (vectorisable).
    let H = h.input, W = w.input, OW = w.output
    y.update(repeating: bias, count: h.output * OW)
    for ki in 0..<h.kernel {
        for kj in 0..<w.kernel {
            let kv = k[ki * w.kernel + kj]
            let dx = kj * w.dilation - w.padBegin
            let lo = max(0, -dx), hi = min(OW, W - dx)
            if hi <= lo { continue }
            for oy in 0..<h.output {
                let iy = oy + ki * h.dilation - h.padBegin
                if iy < 0 || iy >= H { continue }
                let src = x + iy * W + dx, dst = y + oy * OW
                for ox in lo..<hi { dst[ox] += kv * src[ox] }
            }
        }
    }
}

private func depthwiseStrided(_ x: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ h: AxisPlan, _ w: AxisPlan, bias: Float, _ y: UnsafeMutablePointer<Float>) {
    let H = h.input, W = w.input, OW = w.output
    let kh = h.kernel, kw = w.kernel
    for oy in 0..<h.output {
        let y0 = oy * h.stride - h.padBegin
        let rowInside = y0 >= 0 && y0 + (kh - 1) * h.dilation < H
        for ox in 0..<OW {
            let x0 = ox * w.stride - w.padBegin
            var s = bias
            if rowInside && x0 >= 0 && x0 + (kw - 1) * w.dilation < W {
                for ki in 0..<kh {
                    let xr = x + (y0 + ki * h.dilation) * W + x0, kr = k + ki * kw
                    for kj in 0..<kw { s += xr[kj * w.dilation] * kr[kj] }
                }
            } else {
                for ki in 0..<kh {
                    let iy = y0 + ki * h.dilation
                    if iy < 0 || iy >= H { continue }
                    let xr = x + iy * W, kr = k + ki * kw
                    for kj in 0..<kw {
                        let ix = x0 + kj * w.dilation
                        if ix >= 0 && ix < W { s += xr[ix] * kr[kj] }
                    }
                }
            }
            y[oy * OW + ox] = s
        }
    }
}

/// What a convolution does after its GEMM, per output channel row: add the bias, add a
/// residual of the output's shape, clamp at zero (in that order).
struct ConvEpilogue {
    var bias: UnsafePointer<Float>?
    var residual: UnsafePointer<Float>?
    var relu = false

    /// dst[0..<n] = epilogue(src[0..<n]) for output channel `m` at output offset `offset`.
    @inline(__always)
    func apply(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count n: Int, channel m: Int, offset: Int) {
        let b = bias?[m] ?? 0
        if let residual {
            let r = residual + offset
            if relu {
                for i in 0..<n { let v = src[i] + b + r[i]; dst[i] = v > 0 ? v : 0 }
            } else {
                for i in 0..<n { dst[i] = src[i] + b + r[i] }
            }
        } else if relu {
            for i in 0..<n { let v = src[i] + b; dst[i] = v > 0 ? v : 0 }
        } else if bias != nil || src != UnsafePointer(dst) {
            for i in 0..<n { dst[i] = src[i] + b }
        }
    }
}

/// Geometry of a 2-D (or widened 1-D) convolution.
struct ConvShape {
    var N, C, M, group: Int
    var h, w: AxisPlan
    var Cg: Int { C / group }
    var Mg: Int { M / group }
    var HW: Int { h.input * w.input }
    var OHW: Int { h.output * w.output }
    var K: Int { Cg * h.kernel * w.kernel }
    var pointwise: Bool {
        h.kernel == 1 && w.kernel == 1 && h.stride == 1 && w.stride == 1
            && h.padBegin == 0 && w.padBegin == 0 && h.padEnd == 0 && w.padEnd == 0
    }
    var depthwise: Bool { Cg == 1 && Mg == 1 && group > 1 }
}

/// Y = epilogue(conv(X, W)): the images are split into one chunk per core; within a
/// chunk, `nb` images at a time are unfolded side by side (im2col, skipped for 1×1
/// stride-1 convolutions of single images) and multiplied by W in one single-threaded
/// GEMM per group, written straight into Y when nb = 1.
func convForward(_ X: UnsafePointer<Float>, _ Wp: UnsafePointer<Float>, _ Y: UnsafeMutablePointer<Float>,
                 _ s: ConvShape, _ ep: ConvEpilogue, strategy: RuntimeThreading.ConvStrategy, parallel: Bool) {
    let C = s.C, M = s.M, HW = s.HW, OHW = s.OHW, K = s.K, Cg = s.Cg, Mg = s.Mg, h = s.h, w = s.w
    if s.depthwise {
        RuntimeThreading.chunks(s.N, parallel: parallel) { r in
            ScratchPool.shared.with(OHW) { tmp in
                for n in r {
                    for c in 0..<C {
                        let off = (n * M + c) * OHW
                        depthwise(X + (n * C + c) * HW, Wp + c * h.kernel * w.kernel, h, w, bias: 0, tmp)
                        ep.apply(tmp, Y + off, count: OHW, channel: c, offset: off)
                    }
                }
            }
        }
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
                            // Interior of the padded planes (borders stay zero).
                            for c in 0..<Cg {
                                let pc = pad + c * PH * PW + h.padBegin * PW + w.padBegin, xc = xg + c * HW
                                for y in 0..<h.input { (pc + y * PW).update(from: xc + y * w.input, count: w.input) }
                            }
                            var row = col + i * cols
                            for c in 0..<Cg {
                                for ki in 0..<h.kernel {
                                    for kj in 0..<w.kernel {
                                        row.update(from: pad + c * PH * PW + ki * h.dilation * PW + kj * w.dilation, count: cols)
                                        row += width
                                    }
                                }
                            }
                        } else if pointwise {
                            if cnt == 1 { src = xg; break }
                            for c in 0..<Cg { (col + c * width + i * OHW).update(from: xg + c * HW, count: OHW) }
                        } else {
                            im2col(xg, channels: Cg, h, w, col + i * OHW, ld: width)
                        }
                    }
                    if direct {
                        let yg = Y + (n0 * M + g * Mg) * OHW
                        sgemm(transA: false, transB: false, m: Mg, n: OHW, k: K, alpha: 1, a: Wp + g * Mg * K, lda: K,
                              b: src, ldb: OHW, beta: 0, c: yg, ldc: OHW)
                        for m in 0..<Mg {
                            let off = (n0 * M + g * Mg + m) * OHW
                            ep.apply(Y + off, Y + off, count: OHW, channel: g * Mg + m, offset: off)
                        }
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

/// Checks a Conv node's inputs and attributes and returns its geometry and output shape.
func convShape(_ ctx: NodeContext, _ x: NDArray, _ wt: NDArray) throws -> (ConvShape, [Int]) {
    guard x.rank >= 3, wt.rank == x.rank else { throw ctx.fail("X \(x.shape) and W \(wt.shape) must have the same rank ≥ 3") }
    let N = x.shape[0], C = x.shape[1], M = wt.shape[0]
    let group = ctx.int("group", 1)
    guard group > 0, C % group == 0, M % group == 0, wt.shape[1] == C / group else {
        throw ctx.fail("X has \(C) channels, W \(wt.shape), group \(group)")
    }
    let kernel = ctx.ints("kernel_shape") ?? Array(wt.shape.dropFirst(2))
    guard kernel == Array(wt.shape.dropFirst(2)) else { throw ctx.fail("kernel_shape \(kernel) differs from W \(wt.shape)") }
    let plans = try planAxes(ctx, input: Array(x.shape.dropFirst(2)), kernel: kernel)
    let (h, w) = try as2D(plans, ctx)
    return (ConvShape(N: N, C: C, M: M, group: group, h: h, w: w), [N, M] + plans.map(\.output))
}

/// Conv with an epilogue; `weights`/`bias` replace inputs 1 and 2 (BatchNorm folded in).
func runConv(_ ctx: NodeContext, weights wv: [Float], bias: [Float]?, residual: [Float]?, relu: Bool) throws -> NDArray {
    let x = try ctx.input(0), wt = try ctx.input(1)
    let xv = try ctx.floats(0)
    let (s, outShape) = try convShape(ctx, x, wt)
    if let bias, bias.count != s.M { throw ctx.fail("B has \(bias.count) values for \(s.M) output channels") }
    let total = s.N * s.M * s.OHW
    if let residual, residual.count != total { throw ctx.fail("residual has \(residual.count) values for \(outShape)") }
    if total == 0 { return NDArray(shape: outShape, floats: []) }
    let out = [Float](unsafeUninitializedCapacity: total) { buf, c in
        xv.withUnsafeBufferPointer { px in wv.withUnsafeBufferPointer { pw in
            withOptionalPointer(bias) { pb in withOptionalPointer(residual) { pr in
                convForward(px.baseAddress!, pw.baseAddress!, buf.baseAddress!, s,
                            ConvEpilogue(bias: pb, residual: pr, relu: relu),
                            strategy: ctx.options.convStrategy, parallel: ctx.options.parallel)
            } }
        } }
        c = total
    }
    return NDArray(shape: outShape, floats: out)
}

@inline(__always)
func withOptionalPointer<R>(_ a: [Float]?, _ body: (UnsafePointer<Float>?) throws -> R) rethrows -> R {
    if let a { return try a.withUnsafeBufferPointer { try body($0.baseAddress!) } }
    return try body(nil)
}

func registerConv(_ k: inout [String: Kernel]) {
    k["Conv"] = { ctx in
        let b = ctx.optionalInput(2)?.floats
        return [try runConv(ctx, weights: try ctx.floats(1), bias: b, residual: nil, relu: false)]
    }

    k["ConvTranspose"] = { ctx in
        let x = try ctx.input(0), wt = try ctx.input(1)
        guard x.rank >= 3, wt.rank == x.rank else { throw ctx.fail("X \(x.shape) and W \(wt.shape) must have the same rank ≥ 3") }
        let xv = try ctx.floats(0), wv = try ctx.floats(1)
        let N = x.shape[0], C = x.shape[1]
        let group = ctx.int("group", 1)
        guard group > 0, C % group == 0, wt.shape[0] == C else { throw ctx.fail("X has \(C) channels, W \(wt.shape)") }
        let Mg = wt.shape[1], M = Mg * group, Cg = C / group
        let r = x.rank - 2
        let inSp = Array(x.shape.dropFirst(2))
        let kernel = ctx.ints("kernel_shape") ?? Array(wt.shape.dropFirst(2))
        let strides = ctx.ints("strides") ?? [Int](repeating: 1, count: r)
        let dil = ctx.ints("dilations") ?? [Int](repeating: 1, count: r)
        let outPad = ctx.ints("output_padding") ?? [Int](repeating: 0, count: r)
        var pads = ctx.ints("pads") ?? [Int](repeating: 0, count: 2 * r)
        let autoPad = ctx.string("auto_pad", "NOTSET")
        guard kernel.count == r, strides.count == r, dil.count == r, outPad.count == r, pads.count == 2 * r else {
            throw ctx.fail("attributes do not match \(r) spatial dims")
        }
        var outSp = [Int](repeating: 0, count: r)
        let outputShape = ctx.ints("output_shape")
        for i in 0..<r {
            let ek = (kernel[i] - 1) * dil[i] + 1
            if let os = outputShape {
                // As onnxruntime: padding clipped at 0, the odd pixel at the start
                // (at the end for SAME_UPPER).
                let target = os[os.count - r + i]
                let total = max(0, strides[i] * (inSp[i] - 1) + outPad[i] + ek - target)
                if autoPad == "SAME_UPPER" {
                    pads[i] = total / 2; pads[i + r] = total - total / 2
                } else {
                    pads[i] = total - total / 2; pads[i + r] = total / 2
                }
                outSp[i] = target
            } else if autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER" {
                // Pad until the output is input × stride.
                let target = inSp[i] * strides[i]
                let total = strides[i] * (inSp[i] - 1) + outPad[i] + ek - target
                if autoPad == "SAME_UPPER" {
                    pads[i] = total / 2; pads[i + r] = total - total / 2
                } else {
                    pads[i] = total - total / 2; pads[i + r] = total / 2
                }
                outSp[i] = target
            } else {
                outSp[i] = strides[i] * (inSp[i] - 1) + outPad[i] + ek - pads[i] - pads[i + r]
            }
            guard outSp[i] > 0 else { throw ctx.fail("output size along spatial axis \(i) would be \(outSp[i])") }
        }
        var plans: [AxisPlan] = []
        for i in 0..<r {
            plans.append(AxisPlan(input: inSp[i], kernel: kernel[i], stride: strides[i], dilation: dil[i],
                                  padBegin: pads[i], padEnd: pads[i + r], output: outSp[i]))
        }
        let (h, w) = try as2D(plans, ctx)
        let bias = ctx.optionalInput(2)?.floats
        let HW = h.input * w.input, OHW = h.output * w.output
        let KK = h.kernel * w.kernel
        var out = [Float](repeating: 0, count: N * M * OHW)
        xv.withUnsafeBufferPointer { px in wv.withUnsafeBufferPointer { pw in out.withUnsafeMutableBufferPointer { po in
            let X = px.baseAddress!, Wp = pw.baseAddress!, Y = po.baseAddress!
            RuntimeThreading.forEachItem(N, parallel: ctx.options.parallel) { n in
                let col = UnsafeMutablePointer<Float>.allocate(capacity: Mg * KK * HW)
                defer { col.deallocate() }
                for g in 0..<group {
                    // col[(m, ki, kj), (iy, ix)] = sum_c W[c, m, ki, kj] * X[c, iy, ix]
                    sgemm(transA: true, transB: false, m: Mg * KK, n: HW, k: Cg, alpha: 1, a: Wp + g * Cg * Mg * KK, lda: Mg * KK,
                          b: X + (n * C + g * Cg) * HW, ldb: HW, beta: 0, c: col, ldc: HW)
                    let yg = Y + (n * M + g * Mg) * OHW
                    for m in 0..<Mg {
                        let ym = yg + m * OHW
                        if let bias { ym.update(repeating: bias[g * Mg + m], count: OHW) }
                        for ki in 0..<h.kernel {
                            for kj in 0..<w.kernel {
                                let crow = col + ((m * h.kernel + ki) * w.kernel + kj) * HW
                                for iy in 0..<h.input {
                                    let oy = iy * h.stride + ki * h.dilation - h.padBegin
                                    if oy < 0 || oy >= h.output { continue }
                                    let yr = ym + oy * w.output, cr = crow + iy * w.input
                                    for ix in 0..<w.input {
                                        let ox = ix * w.stride + kj * w.dilation - w.padBegin
                                        if ox >= 0 && ox < w.output { yr[ox] += cr[ix] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        } } }
        return [NDArray(shape: [N, M] + outSp, floats: out)]
    }
}
