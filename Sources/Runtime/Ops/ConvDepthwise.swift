/// Depthwise convolution (one input channel per group, any channel multiplier) for every
/// stride, padding and dilation.
///
/// Each input plane is copied once into a zero-padded plane whose rows are split into
/// `stride` column phases (phase p holds padded columns p, p + s, p + 2s, …), so every
/// kernel tap reads a contiguous run of its phase: output row `oy`, tap (ki, kj) reads
/// padded row oy·sh + ki·dh, phase (kj·dw) mod sw, from column (kj·dw) div sw on. Taps
/// accumulate three at a time over SIMD8 vectors; the epilogue runs on each finished plane.
func convDepthwise(_ X: UnsafePointer<Float>, _ Wp: UnsafePointer<Float>, _ Y: UnsafeMutablePointer<Float>,
                   _ s: ConvShape, _ ep: ConvEpilogue, parallel: Bool) {
    let g = DepthwiseGeometry(s)
    let HW = s.HW, OHW = s.OHW, KK = s.h.kernel * s.w.kernel, Mg = s.Mg
    RuntimeThreading.chunks(s.N * s.group, parallel: parallel) { r in
        ScratchPool.shared.with(g.planeSize) { pad in
            pad.update(repeating: 0, count: g.planeSize)   // borders stay zero
            for plane in r {
                g.fill(pad, from: X + plane * HW)
                for j in 0..<Mg {
                    // Output channel m of image n: plane = n·group + c, m = c·Mg + j.
                    let n = plane / s.group, c = plane % s.group, m = c * Mg + j
                    let off = (n * s.M + m) * OHW
                    g.convolve(pad, Wp + m * KK, Y + off)
                    ep.apply(Y + off, Y + off, count: OHW, channel: m, offset: off)
                }
            }
        }
    }
}

/// The padded, phase-split plane of a depthwise convolution and its two loops.
struct DepthwiseGeometry {
    let h: AxisPlan, w: AxisPlan
    /// Padded rows; columns per phase; floats per padded row (all phases).
    let rows: Int, phaseLength: Int, rowLength: Int

    init(_ s: ConvShape) {
        h = s.h; w = s.w
        rows = max(h.input + h.padBegin + h.padEnd, (h.output - 1) * h.stride + (h.kernel - 1) * h.dilation + 1)
        let cols = max(w.input + w.padBegin + w.padEnd, (w.output - 1) * w.stride + (w.kernel - 1) * w.dilation + 1)
        phaseLength = (cols + w.stride - 1) / w.stride
        rowLength = phaseLength * w.stride
    }

    var planeSize: Int { rows * rowLength }

    /// Copies one input plane into the interior of `pad` (the borders are never written).
    func fill(_ pad: UnsafeMutablePointer<Float>, from x: UnsafePointer<Float>) {
        let W = w.input, sw = w.stride
        for iy in 0..<h.input {
            let src = x + iy * W, row = pad + (iy + h.padBegin) * rowLength
            if sw == 1 {
                (row + w.padBegin).update(from: src, count: W)
                continue
            }
            for ix in 0..<W {
                let c = ix + w.padBegin
                row[(c % sw) * phaseLength + c / sw] = src[ix]
            }
        }
    }

    /// y[oy, ox] = Σ k[ki, kj] · padded[oy·sh + ki·dh, ox·sw + kj·dw].
    func convolve(_ pad: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        let OW = w.output, kw = w.kernel, sw = w.stride
        y.update(repeating: 0, count: h.output * OW)
        for oy in 0..<h.output {
            let dst = y + oy * OW
            for ki in 0..<h.kernel {
                let base = pad + (oy * h.stride + ki * h.dilation) * rowLength
                let kr = k + ki * kw
                func tap(_ kj: Int) -> UnsafePointer<Float> {
                    let c = kj * w.dilation
                    return base + (c % sw) * phaseLength + c / sw
                }
                var kj = 0
                while kj < kw {
                    switch kw - kj {
                    case 1: accumulate(dst, OW, tap(kj), kr[kj])
                    case 2:
                        accumulate(dst, OW, tap(kj), kr[kj])
                        accumulate(dst, OW, tap(kj + 1), kr[kj + 1])
                    default: accumulate(dst, OW, tap(kj), kr[kj], tap(kj + 1), kr[kj + 1], tap(kj + 2), kr[kj + 2])
                    }
                    kj += 3
                }
            }
        }
    }
}

/// d[i] += a·p[i] + b·q[i] + c·r[i] for i < n, eight lanes at a time.
@inline(__always)
private func accumulate(_ d: UnsafeMutablePointer<Float>, _ n: Int, _ p: UnsafePointer<Float>, _ a: Float,
                        _ q: UnsafePointer<Float>, _ b: Float, _ r: UnsafePointer<Float>, _ c: Float) {
    let dr = UnsafeMutableRawPointer(d), pr = UnsafeRawPointer(p), qr = UnsafeRawPointer(q), rr = UnsafeRawPointer(r)
    let va = F8(repeating: a), vb = F8(repeating: b), vc = F8(repeating: c)
    var i = 0
    while i + 8 <= n {
        let o = i * 4
        var v = dr.loadUnaligned(fromByteOffset: o, as: F8.self)
        v += va * pr.loadUnaligned(fromByteOffset: o, as: F8.self)
        v += vb * qr.loadUnaligned(fromByteOffset: o, as: F8.self)
        v += vc * rr.loadUnaligned(fromByteOffset: o, as: F8.self)
        dr.storeBytes(of: v, toByteOffset: o, as: F8.self)
        i += 8
    }
    while i < n {
        d[i] += a * p[i] + b * q[i] + c * r[i]
        i += 1
    }
}

/// d[i] += a·p[i] for i < n, eight lanes at a time.
@inline(__always)
private func accumulate(_ d: UnsafeMutablePointer<Float>, _ n: Int, _ p: UnsafePointer<Float>, _ a: Float) {
    let dr = UnsafeMutableRawPointer(d), pr = UnsafeRawPointer(p)
    let va = F8(repeating: a)
    var i = 0
    while i + 8 <= n {
        let o = i * 4
        let v = dr.loadUnaligned(fromByteOffset: o, as: F8.self) + va * pr.loadUnaligned(fromByteOffset: o, as: F8.self)
        dr.storeBytes(of: v, toByteOffset: o, as: F8.self)
        i += 8
    }
    while i < n {
        d[i] += a * p[i]
        i += 1
    }
}
