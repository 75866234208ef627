// ConvTranspose: sgemm + col2im.

func registerConvTranspose(_ k: inout [String: Kernel]) {
    k["ConvTranspose"] = convTransposeKernel
}

private func convTransposeKernel(_ ctx: NodeContext) throws -> [NDArray] {
    let x = try ctx.input(0), wt = try ctx.input(1)
    guard x.rank >= 3, wt.rank == x.rank else { throw ctx.fail("X \(x.shape) and W \(wt.shape) must have the same rank ≥ 3") }
    let xv = try ctx.floats(0), wv = try ctx.floats(1)
    let N = x.shape[0], C = x.shape[1]
    let group = ctx.int("group", 1)
    guard group > 0, C % group == 0, wt.shape[0] == C else { throw ctx.fail("X has \(C) channels, W \(wt.shape)") }
    let Mg = wt.shape[1], M = Mg * group, Cg = C / group
    let (plans, outSp) = try convTransposeGeometry(ctx, x.shape, wt.shape)
    let bias = ctx.optionalInput(2)?.floats
    if plans.count > 2 {
        let y = convTransposeND(xv, wv, bias, n: N, c: C, group: group, mg: Mg, plans: plans, parallel: ctx.options.parallel)
        return [NDArray(shape: [N, M] + outSp, floats: y)]
    }
    let (h, w) = try as2D(plans, ctx)
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

/// The per-axis geometry of a ConvTranspose (explicit, SAME or output_shape padding) and
/// its output spatial size.
private func convTransposeGeometry(_ ctx: NodeContext, _ xShape: [Int], _ wShape: [Int]) throws -> ([AxisPlan], [Int]) {
    let r = xShape.count - 2
    let inSp = Array(xShape.dropFirst(2))
    let kernel = ctx.ints("kernel_shape") ?? Array(wShape.dropFirst(2))
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
    return (plans, outSp)
}


/// ConvTranspose over three or more spatial axes: per group, col = Wᵀ·X (sgemm), then each
/// column entry (m, kernel offset k, input position i) is added to Y[m, o] at
/// o_d = i_d·stride_d + k_d·dilation_d − padBegin_d when o lies inside the output.
private func convTransposeND(_ xv: [Float], _ wv: [Float], _ bias: [Float]?, n N: Int, c C: Int, group: Int, mg Mg: Int,
                             plans: [AxisPlan], parallel: Bool) -> [Float] {
    let M = Mg * group, Cg = C / group
    let HW = plans.reduce(1) { $0 * $1.input }, OHW = plans.reduce(1) { $0 * $1.output }
    let KK = plans.reduce(1) { $0 * $1.kernel }
    // For each (kernel offset, input position): the output offset, or -1 outside.
    var target = [Int](repeating: -1, count: KK * HW)
    for kf in 0..<KK {
        for p in 0..<HW {
            var o = 0, kr = kf, pr = p, inside = true
            for d in plans.indices.reversed() {
                let a = plans[d]
                let k = kr % a.kernel, i = pr % a.input
                kr /= a.kernel; pr /= a.input
                let od = i * a.stride + k * a.dilation - a.padBegin
                if od < 0 || od >= a.output { inside = false; break }
                o += od * plans[(d + 1)...].reduce(1) { $0 * $1.output }
            }
            if inside { target[kf * HW + p] = o }
        }
    }
    let targets = target
    var out = [Float](repeating: 0, count: N * M * OHW)
    xv.withUnsafeBufferPointer { px in wv.withUnsafeBufferPointer { pw in out.withUnsafeMutableBufferPointer { po in
        let X = px.baseAddress!, Wp = pw.baseAddress!, Y = po.baseAddress!
        RuntimeThreading.forEachItem(N, parallel: parallel) { n in
            let col = UnsafeMutablePointer<Float>.allocate(capacity: Mg * KK * HW)
            defer { col.deallocate() }
            for g in 0..<group {
                sgemm(transA: true, transB: false, m: Mg * KK, n: HW, k: Cg, alpha: 1, a: Wp + g * Cg * Mg * KK, lda: Mg * KK,
                      b: X + (n * C + g * Cg) * HW, ldb: HW, beta: 0, c: col, ldc: HW)
                for m in 0..<Mg {
                    let ym = Y + (n * M + g * Mg + m) * OHW
                    if let bias { ym.update(repeating: bias[g * Mg + m], count: OHW) }
                    let cm = col + m * KK * HW
                    for e in 0..<(KK * HW) where targets[e] >= 0 { ym[targets[e]] += cm[e] }
                }
            }
        }
    } } }
    return out
}
