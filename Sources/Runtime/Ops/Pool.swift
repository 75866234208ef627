// MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool.

private func pool(_ ctx: NodeContext, max isMax: Bool) throws -> [NDArray] {
    let x = try ctx.input(0)
    guard x.rank >= 3 else { throw ctx.fail("input must be N×C×spatial, got \(x.shape)") }
    guard let kernel = ctx.ints("kernel_shape") else { throw ctx.fail("kernel_shape is required") }
    if isMax && ctx.outputCount > 1 { throw ctx.fail("the Indices output is not supported") }
    let xv = try ctx.floats(0)
    let plans = try planAxes(ctx, input: Array(x.shape.dropFirst(2)), kernel: kernel, ceilMode: ctx.int("ceil_mode", 0) != 0)
    let (h, w) = try as2D(plans, ctx)
    let includePad = ctx.int("count_include_pad", 0) != 0
    let NC = x.shape[0] * x.shape[1]
    let HW = h.input * w.input, OHW = h.output * w.output
    if NC * OHW == 0 { return [NDArray(shape: Array(x.shape.prefix(2)) + plans.map(\.output), floats: [])] }
    // From the activation pool: a fresh multi-megabyte array is page-faulted in every batch.
    let out = ctx.outputFloats(NC * OHW) { Y in xv.withUnsafeBufferPointer { px in
        let X = px.baseAddress!
        let C = x.shape[1]
        if h.kernel == 2 && w.kernel == 2 && h.stride == 2 && w.stride == 2 && h.dilation == 1 && w.dilation == 1
            && h.padBegin == 0 && w.padBegin == 0 && 2 * h.output <= h.input && 2 * w.output <= w.input {
            pool2x2(X, Y, planes: NC, h, w, max: isMax, parallel: ctx.options.parallel)
            return
        }
        if isMax {
            maxPoolPhased(X, Y, planes: NC, h, w, parallel: ctx.options.parallel)
            return
        }
        RuntimeThreading.forEachItem(x.shape[0], parallel: ctx.options.parallel, blas: false) { n in
            for c in 0..<C {
                let plane = n * C + c
                poolPlane(X + plane * HW, Y + plane * OHW, h, w, isMax: isMax, includePad: includePad)
            }
        }
    } }
    return [NDArray(shape: Array(x.shape.prefix(2)) + plans.map(\.output), floats: out)]
}

/// Max or average pooling over 2×2 stride-2 windows that all lie inside the input (DenseNet's
/// transitions average this way); the average sums in `poolPlane`'s order.
private func pool2x2(_ X: UnsafePointer<Float>, _ Y: UnsafeMutablePointer<Float>, planes NC: Int,
                     _ h: AxisPlan, _ w: AxisPlan, max isMax: Bool, parallel: Bool) {
    let HW = h.input * w.input, OHW = h.output * w.output, W = w.input, OW = w.output
    RuntimeThreading.chunks(NC, parallel: parallel && NC * OHW >= 1 << 14) { r in
        for plane in r {
            let xp = X + plane * HW, yp = Y + plane * OHW
            for oy in 0..<h.output {
                let r0 = xp + 2 * oy * W, r1 = r0 + W, yr = yp + oy * OW
                if isMax {
                    for ox in 0..<OW {
                        yr[ox] = Swift.max(Swift.max(r0[2 * ox], r0[2 * ox + 1]), Swift.max(r1[2 * ox], r1[2 * ox + 1]))
                    }
                } else {
                    for ox in 0..<OW { yr[ox] = (r0[2 * ox] + r0[2 * ox + 1] + r1[2 * ox] + r1[2 * ox + 1]) / 4 }
                }
            }
        }
    }
}

/// One N×C plane of a max or average pooling with any windows (padding, dilation).
private func poolPlane(_ xp: UnsafePointer<Float>, _ yp: UnsafeMutablePointer<Float>, _ h: AxisPlan, _ w: AxisPlan,
                       isMax: Bool, includePad: Bool) {
    let kh = h.kernel, kw = w.kernel, dh = h.dilation, dw = w.dilation, W = w.input, H = h.input, OW = w.output
    let area = Float(kh * kw)
    for oy in 0..<h.output {
        let y0 = oy * h.stride - h.padBegin
        for ox in 0..<w.output {
            let x0 = ox * w.stride - w.padBegin
            if y0 >= 0 && y0 + (kh - 1) * dh < H && x0 >= 0 && x0 + (kw - 1) * dw < W {
                // Window entirely inside the input.
                if isMax {
                    var acc = -Float.infinity
                    for ki in 0..<kh {
                        let row = xp + (y0 + ki * dh) * W + x0
                        for kj in 0..<kw { acc = Swift.max(acc, row[kj * dw]) }
                    }
                    yp[oy * OW + ox] = acc
                } else {
                    var acc: Float = 0
                    for ki in 0..<kh {
                        let row = xp + (y0 + ki * dh) * W + x0
                        for kj in 0..<kw { acc += row[kj * dw] }
                    }
                    yp[oy * OW + ox] = acc / area
                }
                continue
            }
            var acc: Float = isMax ? -.infinity : 0
            var valid = 0, padded = 0
            for ki in 0..<h.kernel {
                let iy = y0 + ki * h.dilation
                if iy >= h.input + h.padEnd { break }
                let inY = iy >= 0 && iy < h.input
                for kj in 0..<w.kernel {
                    let ix = x0 + kj * w.dilation
                    if ix >= w.input + w.padEnd { break }
                    padded += 1
                    if inY && ix >= 0 && ix < w.input {
                        let v = xp[iy * w.input + ix]
                        if isMax { if v > acc || v.isNaN { acc = v } } else { acc += v }
                        valid += 1
                    }
                }
            }
            if !isMax {
                let d = includePad ? padded : valid
                acc = d > 0 ? acc / Float(d) : 0
            }
            yp[oy * w.output + ox] = acc
        }
    }
}

private func globalPool(_ ctx: NodeContext, max isMax: Bool) throws -> [NDArray] {
    let x = try ctx.input(0)
    guard x.rank >= 3 else { throw ctx.fail("input must be N×C×spatial, got \(x.shape)") }
    let xv = try ctx.floats(0)
    let NC = x.shape[0] * x.shape[1]
    let S = x.shape.dropFirst(2).reduce(1, *)
    var out = [Float](repeating: 0, count: NC)
    xv.withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { o in
        guard let src = p.baseAddress, let dst = o.baseAddress else { return }
        RuntimeThreading.chunks(NC, parallel: ctx.options.parallel && NC * S >= 1 << 15) { r in
            for i in r {
                let base = src + i * S
                if isMax {
                    var m = -Float.infinity
                    for j in 0..<S { m = Swift.max(m, base[j]) }
                    dst[i] = m
                } else {
                    // Eight partial sums (SIMD8), then the tail.
                    var acc = F8(repeating: 0), j = 0
                    while j + 8 <= S {
                        acc += UnsafeRawPointer(base + j).loadUnaligned(as: F8.self)
                        j += 8
                    }
                    var t = acc.sum()
                    while j < S { t += base[j]; j += 1 }
                    dst[i] = t / Float(S)
                }
            }
        }
    } }
    return [NDArray(shape: Array(x.shape.prefix(2)) + [Int](repeating: 1, count: x.rank - 2), floats: out)]
}

func registerPool(_ k: inout [String: Kernel]) {
    k["MaxPool"] = { ctx in try pool(ctx, max: true) }
    k["AveragePool"] = { ctx in try pool(ctx, max: false) }
    k["GlobalAveragePool"] = { ctx in try globalPool(ctx, max: false) }
    k["GlobalMaxPool"] = { ctx in try globalPool(ctx, max: true) }
}
