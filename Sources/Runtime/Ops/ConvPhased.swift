/// Convolutions whose GEMM reads its taps straight from a zero-padded, phase-split copy of
/// the input (no im2col): CPUKernels' packed GEMM with one row offset per (c, ki, kj).
///
/// With strides sh × sw the padded plane of each input channel is split into sh · sw
/// sub-planes (padded row R, column Q → sub-plane (R mod sh, Q mod sw) at row R div sh,
/// column Q div sw). Output (oy, ox) at tap (ki, kj) then reads sub-plane
/// (ki·dh mod sh, kj·dw mod sw) at row oy + ki·dh div sh, column ox + kj·dw div sw, so over
/// the "wide" column index j = oy · subColumns + ox every tap is one contiguous run from a
/// fixed offset — the same trick as the stride-1 wide unfolding, for every stride, without
/// copying K rows. The GEMM computes subColumns columns per output row, the first OW kept.
/// Used for grouped and strided convolutions and the stems (C = 3) when the CPU has AVX2.
struct PhasedConv {
    let s: ConvShape
    /// Rows and columns of each sub-plane.
    let subRows: Int, subColumns: Int

    init(_ s: ConvShape) {
        self.s = s
        let h = s.h, w = s.w
        let ph = max(h.input + h.padBegin + h.padEnd, (h.output - 1) * h.stride + (h.kernel - 1) * h.dilation + 1)
        let pw = max(w.input + w.padBegin + w.padEnd, (w.output - 1) * w.stride + (w.kernel - 1) * w.dilation + 1)
        subRows = (ph + h.stride - 1) / h.stride
        subColumns = (pw + w.stride - 1) / w.stride
    }

    /// True when this path takes `s`: not a 1×1 (own pointwise path or a cheap strided
    /// copy), not depthwise, not Winograd's, and the own kernels are on.
    static func applies(_ s: ConvShape, native: Bool) -> Bool {
        native && CPUKernels.available && !s.depthwise && !Winograd.applies(s)
            && s.h.kernel * s.w.kernel > 1 && s.h.output * s.w.output > 0
    }

    var subSize: Int { subRows * subColumns }
    var channelSize: Int { s.h.stride * s.w.stride * subSize }
    /// GEMM columns per image and group.
    var columns: Int { s.h.output * subColumns }
    /// Floats of the padded copy of one group (with slack for the last row's extra columns).
    var padSize: Int { s.Cg * channelSize + (s.w.kernel - 1) * s.w.dilation + 16 }

    /// Offset of GEMM row (c, ki, kj) in the padded copy.
    func rowOffsets() -> [Int] {
        let h = s.h, w = s.w
        var out: [Int] = []
        out.reserveCapacity(s.K)
        for c in 0..<s.Cg {
            for ki in 0..<h.kernel {
                for kj in 0..<w.kernel {
                    let r = ki * h.dilation, q = kj * w.dilation
                    out.append(c * channelSize + ((r % h.stride) * w.stride + q % w.stride) * subSize
                               + (r / h.stride) * subColumns + q / w.stride)
                }
            }
        }
        return out
    }

    /// Copies the Cg input planes at `x` into the interior of `pad` (borders stay zero).
    func fill(_ pad: UnsafeMutablePointer<Float>, from x: UnsafePointer<Float>) {
        let h = s.h, w = s.w, W = w.input, sh = h.stride, sw = w.stride, pb = w.padBegin
        for c in 0..<s.Cg {
            for iy in 0..<h.input {
                let src = x + (c * h.input + iy) * W
                let R = iy + h.padBegin
                let rowBase = pad + c * channelSize + (R % sh) * sw * subSize + (R / sh) * subColumns
                if sw == 1 {
                    (rowBase + pb).update(from: src, count: W)
                    continue
                }
                for phase in 0..<sw {
                    // First input column whose padded column lies in this phase.
                    let first = ((phase - pb) % sw + sw) % sw
                    guard first < W else { continue }
                    let dst = rowBase + phase * subSize + (first + pb) / sw
                    if sw == 2 {
                        copyEveryOther(src + first, to: dst, count: (W - first + 1) / 2)
                        continue
                    }
                    var ix = first, j = 0
                    while ix < W { dst[j] = src[ix]; ix &+= sw; j &+= 1 }
                }
            }
        }
    }

    /// Y = epilogue(conv(X, W)) with W packed per group (`packGrouped`); images over the cores.
    func forward(_ X: UnsafePointer<Float>, panels: UnsafePointer<Float>, _ Y: UnsafeMutablePointer<Float>,
                 _ ep: ConvEpilogue, parallel: Bool) {
        let rows = rowOffsets(), n = columns, OW = s.w.output, OHW = s.OHW, Mg = s.Mg
        let panelSize = CPUKernels.packedSize(m: Mg, k: s.K)
        // Bias and activation in the kernel unless a residual must come first.
        let fused = ep.residual == nil
        RuntimeThreading.chunks(s.N, parallel: parallel) { r in
            ScratchPool.shared.with(padSize) { pad in
            ScratchPool.shared.with(Mg * n) { tmp in
                pad.update(repeating: 0, count: padSize)
                for img in r {
                    for g in 0..<s.group {
                        fill(pad, from: X + (img * s.C + g * s.Cg) * s.HW)
                        rows.withUnsafeBufferPointer { ro in
                            CPUKernels.pointwiseRows(panels + g * panelSize, m: Mg, k: s.K, pad, rows: ro.baseAddress!, n: n, tmp,
                                                     bias: fused ? ep.bias.map { $0 + g * Mg } : nil,
                                                     activation: fused ? ep.activation : .identity)
                        }
                        for m in 0..<Mg {
                            let off = (img * s.M + g * Mg + m) * OHW
                            for oy in 0..<s.h.output {
                                let src = tmp + m * n + oy * subColumns, dst = Y + off + oy * OW
                                if fused { dst.update(from: src, count: OW); continue }
                                ep.apply(src, dst, count: OW, channel: g * Mg + m, offset: off + oy * OW)
                            }
                        }
                    }
                }
            } }
        }
    }
}

/// dst[i] = src[2i] for i < count (sixteen source floats per step while they lie inside
/// the source run).
private func copyEveryOther(_ src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    while i + 8 < count {   // reads src[2i ..< 2i + 16], all below 2·count − 1
        let v = UnsafeRawPointer(src + 2 * i).loadUnaligned(as: SIMD16<Float>.self)
        UnsafeMutableRawPointer(dst + i).storeBytes(of: v.evenHalf, as: SIMD8<Float>.self)
        i &+= 8
    }
    while i < count { dst[i] = src[2 * i]; i &+= 1 }
}
