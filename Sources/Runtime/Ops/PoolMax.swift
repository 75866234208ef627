/// Max pooling with any window, stride, padding and dilation through the depthwise
/// convolution's padded, phase-split planes (`DepthwiseGeometry`): each plane is copied once
/// into a buffer whose borders hold −∞, so every tap of eight outputs is one contiguous
/// eight-wide load and the maximum needs no bounds checks (ResNet's 3×3 stride-2 pool ran
/// per element with a bounds test per tap). Planes (image × channel) are split over the cores.
///
/// Padding never wins a maximum (−∞). NaN inputs are not propagated unless one is the
/// window's first tap (`v > acc` never holds for NaN).
func maxPoolPhased(_ X: UnsafePointer<Float>, _ Y: UnsafeMutablePointer<Float>, planes NC: Int,
                   _ h: AxisPlan, _ w: AxisPlan, parallel: Bool) {
    let g = DepthwiseGeometry(ConvShape(N: 1, C: 1, M: 1, group: 1, h: h, w: w))
    let HW = h.input * w.input, OHW = h.output * w.output, OW = w.output, sw = w.stride
    let size = g.planeSize + DepthwiseGeometry.slack
    var offsets: [Int] = []
    for ki in 0..<h.kernel {
        for kj in 0..<w.kernel {
            let c = kj * w.dilation
            offsets.append(ki * h.dilation * g.rowLength + (c % sw) * g.phaseLength + c / sw)
        }
    }
    RuntimeThreading.chunks(NC, parallel: parallel && NC * OHW >= 1 << 14) { r in
        ScratchPool.shared.with(size) { pad in
            pad.update(repeating: -.infinity, count: size)
            offsets.withUnsafeBufferPointer { off in
                for plane in r {
                    g.fill(pad, from: X + plane * HW)
                    maxPlane(pad, g, off, Y + plane * OHW, rows: h.output, columns: OW, rowStep: h.stride * g.rowLength)
                }
            }
        }
    }
}

/// y[oy, ox] = max over the taps of pad[oy·rowStep + offsets[t] + ox], eight outputs at a
/// time; the last 1–7 of a row take one more eight-wide pass (the plane's slack covers the
/// extra lanes, which are dropped).
private func maxPlane(_ pad: UnsafePointer<Float>, _ g: DepthwiseGeometry, _ offsets: UnsafeBufferPointer<Int>,
                      _ y: UnsafeMutablePointer<Float>, rows: Int, columns OW: Int, rowStep: Int) {
    @inline(__always) func load(_ p: UnsafePointer<Float>) -> F8 { UnsafeRawPointer(p).loadUnaligned(as: F8.self) }
    for oy in 0..<rows {
        let base = pad + oy * rowStep, dst = y + oy * OW
        var ox = 0
        while ox < OW {
            var acc = load(base + offsets[0] + ox)
            for t in 1..<offsets.count {
                let v = load(base + offsets[t] + ox)
                acc.replace(with: v, where: v .> acc)
            }
            if ox + 8 <= OW {
                UnsafeMutableRawPointer(dst + ox).storeBytes(of: acc, as: F8.self)
            } else {
                for l in 0..<(OW - ox) { dst[ox + l] = acc[l] }
            }
            ox += 8
        }
    }
}
