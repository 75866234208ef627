import Runtime

/// Window axes of a Conv/pool node whose input and output spatial sizes are known (2-D;
/// 1-D widened with a unit height). `autoPadLowerFirst`: ConvTranspose splits SAME padding
/// the other way round.
func windowAxes(_ ctx: RuleContext, image: [Int], windows: [Int], kernel: [Int],
                transposed: Bool = false) throws -> (AxisPlan, AxisPlan) {
    let r = image.count
    guard r == 1 || r == 2, windows.count == r, kernel.count == r else {
        throw ctx.fail("only 1-D and 2-D windows are supported, got spatial dims \(image)")
    }
    let strides = ctx.ints("strides") ?? [Int](repeating: 1, count: r)
    let dil = ctx.ints("dilations") ?? [Int](repeating: 1, count: r)
    let pads = ctx.ints("pads")
    let autoPad = ctx.string("auto_pad", "NOTSET")
    let outPad = ctx.ints("output_padding") ?? [Int](repeating: 0, count: r)
    var axes: [AxisPlan] = []
    for i in 0..<r {
        let ek = (kernel[i] - 1) * dil[i] + 1
        var begin = 0, end = 0
        if let p = pads, p.count == 2 * r, autoPad == "NOTSET" || autoPad.isEmpty {
            begin = p[i]
            end = p[i + r]
        } else if autoPad.hasPrefix("SAME") || (transposed && pads == nil && autoPad != "VALID") {
            // Total padding that makes the sizes agree.
            let total = transposed
                ? max(0, strides[i] * (windows[i] - 1) + outPad[i] + ek - image[i])
                : max(0, (windows[i] - 1) * strides[i] + ek - image[i])
            let upper = autoPad != "SAME_LOWER"
            begin = upper ? total / 2 : total - total / 2
            end = total - begin
        }
        axes.append(AxisPlan(input: image[i], kernel: kernel[i], stride: strides[i], dilation: dil[i],
                             padBegin: begin, padEnd: end, output: windows[i]))
    }
    return r == 1 ? (.unit, axes[0]) : (axes[0], axes[1])
}

/// Output columns `ox` whose input column ox·stride + offset lies inside 0..<W.
@inline(__always)
func insideRange(offset dx: Int, stride: Int, width W: Int, count OW: Int) -> Range<Int> {
    let lo = dx < 0 ? (-dx + stride - 1) / stride : 0
    let hi = W - dx <= 0 ? 0 : min(OW, (W - dx + stride - 1) / stride)
    return min(lo, OW)..<max(min(lo, OW), hi)
}

/// The adjoint of `im2col` (Tensors): adds each column entry back into its image position.
func fold(_ col: UnsafePointer<Float>, channels: Int, _ h: AxisPlan, _ w: AxisPlan, _ x: UnsafeMutablePointer<Float>) {
    let H = h.input, W = w.input, OH = h.output, OW = w.output
    var row = col
    for c in 0..<channels {
        let xc = x + c * H * W
        for ki in 0..<h.kernel {
            for kj in 0..<w.kernel {
                let dx = kj * w.dilation - w.padBegin
                let r = insideRange(offset: dx, stride: w.stride, width: W, count: OW)
                for oy in 0..<OH where !r.isEmpty {
                    let iy = oy * h.stride + ki * h.dilation - h.padBegin
                    if iy < 0 || iy >= H { continue }
                    let src = row + oy * OW, dst = xc + iy * W + dx
                    if w.stride == 1 {
                        for ox in r { dst[ox] += src[ox] }
                    } else {
                        for ox in r { dst[ox * w.stride] += src[ox] }
                    }
                }
                row += OH * OW
            }
        }
    }
}
