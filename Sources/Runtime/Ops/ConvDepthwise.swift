/// Depthwise convolution (one input channel per group, any channel multiplier) for every
/// stride, padding and dilation. 3×3/5×5 kernels at stride 1 or 2 without dilation or
/// multiplier go to CKernels' in-place kernels first (`DepthwiseDirect`) when the CPU allows.
///
/// Each input plane is copied once into a zero-padded plane whose rows are split into
/// `stride` column phases (phase p holds padded columns p, p + s, p + 2s, …), so every
/// kernel tap reads a contiguous run of its phase: output row `oy`, tap (ki, kj) reads
/// padded row oy·sh + ki·dh, phase (kj·dw) mod sw, from column (kj·dw) div sw on. Taps
/// accumulate in SIMD8 registers (eight outputs, all taps); the epilogue runs on each finished plane.
func convDepthwise(_ X: UnsafePointer<Float>, _ Wp: UnsafePointer<Float>, _ Y: UnsafeMutablePointer<Float>,
                   _ s: ConvShape, _ ep: ConvEpilogue, parallel: Bool) {
    if DepthwiseDirect.run(X, Wp, Y, s, ep, parallel: parallel) { return }
    let g = DepthwiseGeometry(s)
    let HW = s.HW, OHW = s.OHW, KK = s.h.kernel * s.w.kernel, Mg = s.Mg
    RuntimeThreading.chunks(s.N * s.group, parallel: parallel) { r in
        ScratchPool.shared.with(g.planeSize + DepthwiseGeometry.slack) { pad in
            // Borders (and the slack read by the last row's SIMD tail) stay zero.
            pad.update(repeating: 0, count: g.planeSize + DepthwiseGeometry.slack)
            for plane in r {
                g.fill(pad, from: X + plane * HW)
                for j in 0..<Mg {
                    // Output channel m of image n: plane = n·group + c, m = c·Mg + j.
                    let n = plane / s.group, c = plane % s.group, m = c * Mg + j
                    let off = (n * s.M + m) * OHW
                    // Bias and activation in the native kernel unless a residual comes first or
                    // the activation is an exponential (SiLU/Sigmoid inside the kernel's
                    // register blocks measured 0.97× on EfficientNet-B0; its own pass stays).
                    let fused = ep.residual == nil && ep.activation != .silu && ep.activation != .sigmoid
                    let finished = g.convolve(pad, Wp + m * KK, Y + off, native: ep.native, bias: fused ? ep.bias?[m] ?? 0 : 0,
                                              activation: fused ? ep.activation : .identity)
                    if !(finished && fused) { ep.apply(Y + off, Y + off, count: OHW, channel: m, offset: off) }
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
    /// Floats after the plane that a row's last eight-wide load may touch (its extra lanes
    /// are computed and thrown away).
    static let slack = 8

    /// Copies one input plane into the interior of `pad` (the borders are never written).
    /// With stride s, padded column c goes to phase c mod s at c div s: input columns of one
    /// phase are every s-th, so each phase is one strided copy without a division per element.
    func fill(_ pad: UnsafeMutablePointer<Float>, from x: UnsafePointer<Float>) {
        let W = w.input, sw = w.stride, pb = w.padBegin
        for iy in 0..<h.input {
            let src = x + iy * W, row = pad + (iy + h.padBegin) * rowLength
            if sw == 1 {
                (row + pb).update(from: src, count: W)
                continue
            }
            if sw == 2 {
                fillPairs(row, from: src)
                continue
            }
            for phase in 0..<sw {
                // First input column whose padded column lies in this phase.
                let first = ((phase - pb) % sw + sw) % sw
                guard first < W else { continue }
                let dst = row + phase * phaseLength + (first + pb) / sw
                var ix = first, j = 0
                while ix < W { dst[j] = src[ix]; ix &+= sw; j &+= 1 }
            }
        }
    }

    /// Stride 2: sixteen input columns at a time split into their even and odd halves,
    /// which land in the two phases (which phase is even depends on the left pad).
    private func fillPairs(_ row: UnsafeMutablePointer<Float>, from src: UnsafePointer<Float>) {
        let W = w.input, pb = w.padBegin
        // Input column ix goes to phase (ix + pb) & 1 at (ix + pb) >> 1.
        let evenPhase = row + (pb & 1) * phaseLength + (pb >> 1)
        let oddPhase = row + ((pb + 1) & 1) * phaseLength + ((pb + 1) >> 1)
        var ix = 0
        while ix + 16 <= W {
            let v = UnsafeRawPointer(src + ix).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(evenPhase + ix / 2).storeBytes(of: v.evenHalf, as: F8.self)
            UnsafeMutableRawPointer(oddPhase + ix / 2).storeBytes(of: v.oddHalf, as: F8.self)
            ix &+= 16
        }
        while ix < W {
            if ix & 1 == 0 { evenPhase[ix / 2] = src[ix] } else { oddPhase[ix / 2] = src[ix] }
            ix &+= 1
        }
    }

    /// y[oy, ox] = Σ k[ki, kj] · padded[oy·sh + ki·dh, ox·sw + kj·dw]: all taps of eight
    /// outputs accumulate in one register, so each output is stored once (`native`: the
    /// same loop in CPUKernels, blocks of four rows × sixteen outputs with FMA, finished by
    /// `bias` and `activation`, when the CPU allows). True when the native kernel ran (the
    /// bias and activation are applied); false: the plain sum, the caller's epilogue follows.
    @discardableResult
    func convolve(_ pad: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, native: Bool,
                  bias: Float = 0, activation: Activation = .identity) -> Bool {
        let OW = w.output, kw = w.kernel, taps = h.kernel * kw, sw = w.stride
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: taps) { offsets -> Bool in
            // Offset of each tap from the start of its output row's first padded row.
            for ki in 0..<h.kernel {
                for kj in 0..<kw {
                    let c = kj * w.dilation
                    offsets[ki * kw + kj] = ki * h.dilation * rowLength + (c % sw) * phaseLength + c / sw
                }
            }
            if native, CPUKernels.depthwisePlane(pad, k, offsets: UnsafePointer(offsets.baseAddress!), taps: taps, rows: h.output,
                                                 columns: OW, rowStep: h.stride * rowLength, y, bias: bias, activation: activation) {
                return true
            }
            for oy in 0..<h.output {
                let base = pad + oy * h.stride * rowLength, dst = y + oy * OW
                var ox = 0
                while ox + 8 <= OW {
                    var acc = F8(repeating: 0)
                    for t in 0..<taps {
                        acc += F8(repeating: k[t]) * UnsafeRawPointer(base + offsets[t] + ox).loadUnaligned(as: F8.self)
                    }
                    UnsafeMutableRawPointer(dst + ox).storeBytes(of: acc, as: F8.self)
                    ox += 8
                }
                if ox < OW {
                    // The last 1–7 outputs: one eight-wide pass (reads stay inside the padded
                    // plane plus its slack), only the valid lanes stored.
                    var acc = F8(repeating: 0)
                    for t in 0..<taps {
                        acc += F8(repeating: k[t]) * UnsafeRawPointer(base + offsets[t] + ox).loadUnaligned(as: F8.self)
                    }
                    for l in 0..<(OW - ox) { dst[ox + l] = acc[l] }
                }
            }
            return false
        }
    }
}

