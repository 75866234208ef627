import COpenBLAS

// Conv (im2col + sgemm, direct depthwise) and ConvTranspose (sgemm + col2im).

/// Unfolds one group of one image: rows (c, ki, kj), columns (oy, ox).
/// Row r of the result starts at `col + r * ld` (ld ≥ OH·OW, so several images can share rows).
private func im2col(_ x: UnsafePointer<Float>, channels: Int, _ h: AxisPlan, _ w: AxisPlan, _ col: UnsafeMutablePointer<Float>, ld: Int) {
    let H = h.input, W = w.input, OH = h.output, OW = w.output
    var row = col
    for c in 0..<channels {
        let xc = x + c * H * W
        for ki in 0..<h.kernel {
            for kj in 0..<w.kernel {
                let dx = kj * w.dilation - w.padBegin
                // Range of ox with 0 <= ox*sw + dx < W.
                var oxLo = 0
                if dx < 0 { oxLo = (-dx + w.stride - 1) / w.stride }
                var oxHi = OW
                if W - dx <= 0 { oxHi = 0 } else { oxHi = min(OW, (W - dx + w.stride - 1) / w.stride) }
                if oxHi < oxLo { oxHi = oxLo }
                for oy in 0..<OH {
                    let iy = oy * h.stride + ki * h.dilation - h.padBegin
                    let dst = row + oy * OW
                    if iy < 0 || iy >= H {
                        dst.update(repeating: 0, count: OW)
                        continue
                    }
                    let src = xc + iy * W
                    if oxLo > 0 { dst.update(repeating: 0, count: oxLo) }
                    if w.stride == 1 {
                        if oxHi > oxLo { (dst + oxLo).update(from: src + oxLo + dx, count: oxHi - oxLo) }
                    } else {
                        var ix = oxLo * w.stride + dx
                        for ox in oxLo..<oxHi { dst[ox] = src[ix]; ix += w.stride }
                    }
                    if oxHi < OW { (dst + oxHi).update(repeating: 0, count: OW - oxHi) }
                }
                row += ld
            }
        }
    }
}

/// Direct depthwise convolution of one channel.
private func depthwise(_ x: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ h: AxisPlan, _ w: AxisPlan, bias: Float, _ y: UnsafeMutablePointer<Float>) {
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

func registerConv(_ k: inout [String: Kernel]) {
    k["Conv"] = { ctx in
        let x = try ctx.input(0), wt = try ctx.input(1)
        guard x.rank >= 3, wt.rank == x.rank else { throw ctx.fail("X \(x.shape) and W \(wt.shape) must have the same rank ≥ 3") }
        let xv = try ctx.floats(0), wv = try ctx.floats(1)
        let N = x.shape[0], C = x.shape[1], M = wt.shape[0]
        let group = ctx.int("group", 1)
        guard group > 0, C % group == 0, M % group == 0, wt.shape[1] == C / group else {
            throw ctx.fail("X has \(C) channels, W \(wt.shape), group \(group)")
        }
        let kernel = ctx.ints("kernel_shape") ?? Array(wt.shape.dropFirst(2))
        guard kernel == Array(wt.shape.dropFirst(2)) else { throw ctx.fail("kernel_shape \(kernel) differs from W \(wt.shape)") }
        let plans = try planAxes(ctx, input: Array(x.shape.dropFirst(2)), kernel: kernel)
        let (h, w) = try as2D(plans, ctx)
        var bias: [Float]? = nil
        if let b = ctx.optionalInput(2) {
            bias = b.floats
            guard bias!.count == M else { throw ctx.fail("B has \(bias!.count) values for \(M) output channels") }
        }
        let Cg = C / group, Mg = M / group
        let HW = h.input * w.input, OHW = h.output * w.output
        let K = Cg * h.kernel * w.kernel
        let pointwise = h.kernel == 1 && w.kernel == 1 && h.stride == 1 && w.stride == 1
            && h.padBegin == 0 && w.padBegin == 0 && h.padEnd == 0 && w.padEnd == 0
        let isDepthwise = Cg == 1 && Mg == 1 && group > 1
        var out = [Float](repeating: 0, count: N * M * OHW)
        let strategy = ctx.options.convStrategy
        xv.withUnsafeBufferPointer { px in wv.withUnsafeBufferPointer { pw in out.withUnsafeMutableBufferPointer { po in
            let X = px.baseAddress!, Wp = pw.baseAddress!, Y = po.baseAddress!
            if isDepthwise {
                RuntimeThreading.forEachItem(N, parallel: ctx.options.parallel, blas: false) { n in
                    let xn = X + n * C * HW, yn = Y + n * M * OHW
                    for c in 0..<C {
                        depthwise(xn + c * HW, Wp + c * h.kernel * w.kernel, h, w, bias: bias?[c] ?? 0, yn + c * OHW)
                    }
                }
                return
            }
            if strategy == .batched && N > 1 {
                // Unfold a chunk of images side by side (K × nb·OHW) and run one GEMM per
                // group with OpenBLAS's threads; then scatter rows back to N×M×OHW.
                let nb = max(1, min(N, RuntimeThreading.im2colBudget / max(1, K * OHW)))
                let ld = nb * OHW
                let col = UnsafeMutablePointer<Float>.allocate(capacity: K * ld)
                let tmp = UnsafeMutablePointer<Float>.allocate(capacity: Mg * ld)
                defer { col.deallocate(); tmp.deallocate() }
                var n0 = 0
                while n0 < N {
                    let cnt = min(nb, N - n0)
                    let width = cnt * OHW
                    for g in 0..<group {
                        RuntimeThreading.forEachItem(cnt, parallel: ctx.options.parallel, blas: false) { i in
                            let xg = X + (n0 + i) * C * HW + g * Cg * HW
                            if pointwise {
                                for c in 0..<Cg { (col + c * width + i * OHW).update(from: xg + c * HW, count: OHW) }
                            } else {
                                im2col(xg, channels: Cg, h, w, col + i * OHW, ld: width)
                            }
                        }
                        sgemm(transA: false, transB: false, m: Mg, n: width, k: K, alpha: 1, a: Wp + g * Mg * K, lda: K,
                              b: col, ldb: width, beta: 0, c: tmp, ldc: width)
                        RuntimeThreading.forEachItem(cnt, parallel: ctx.options.parallel, blas: false) { i in
                            let yn = Y + (n0 + i) * M * OHW + g * Mg * OHW
                            for m in 0..<Mg {
                                let dst = yn + m * OHW, src = tmp + m * width + i * OHW
                                if let bias {
                                    let b = bias[g * Mg + m]
                                    for p in 0..<OHW { dst[p] = src[p] + b }
                                } else {
                                    dst.update(from: src, count: OHW)
                                }
                            }
                        }
                    }
                    n0 += cnt
                }
                return
            }
            RuntimeThreading.forEachItem(N, parallel: ctx.options.parallel, blas: true) { n in
                let xn = X + n * C * HW, yn = Y + n * M * OHW
                let col: UnsafeMutablePointer<Float>? = pointwise ? nil : .allocate(capacity: K * OHW)
                defer { col?.deallocate() }
                for g in 0..<group {
                    let xg = xn + g * Cg * HW
                    var src = UnsafePointer(xg)
                    if let col {
                        im2col(xg, channels: Cg, h, w, col, ld: OHW)
                        src = UnsafePointer(col)
                    }
                    let yg = yn + g * Mg * OHW
                    if let bias {
                        for m in 0..<Mg { (yg + m * OHW).update(repeating: bias[g * Mg + m], count: OHW) }
                    }
                    sgemm(transA: false, transB: false, m: Mg, n: OHW, k: K, alpha: 1, a: Wp + g * Mg * K, lda: K,
                          b: src, ldb: OHW, beta: bias == nil ? 0 : 1, c: yg, ldc: OHW)
                }
            }
        } } }
        let outShape = [N, M] + plans.map(\.output)
        return [NDArray(shape: outShape, floats: out)]
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
            RuntimeThreading.forEachItem(N, parallel: ctx.options.parallel, blas: true) { n in
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
