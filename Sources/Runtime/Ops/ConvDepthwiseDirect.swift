/// Depthwise 3×3 and 5×5 convolutions at stride 1 or 2 (no dilation, one output channel per
/// input channel) read straight from the input planes by CKernels' own kernels — no
/// zero-padded copy of each plane (`DepthwiseGeometry.fill`, 10% of MobileNetV2's samples):
/// maps wider than 16 columns in rows of eight-column positions with unaligned (border:
/// masked) loads, smaller maps (and 5×5 kernels up to 32 columns) eight channels at a time,
/// one pixel of eight channels per register (`depthwise_interleaved.c`). Bias and activation
/// are applied in the kernel unless a residual comes first (then the plane epilogue runs after).
/// Planes (image × channel; groups of eight for the interleaved kernel) are split over the cores.
enum DepthwiseDirect {
    /// False (nothing done) when the shape or the CPU is not one the kernels handle.
    static func run(_ X: UnsafePointer<Float>, _ Wp: UnsafePointer<Float>, _ Y: UnsafeMutablePointer<Float>,
                    _ s: ConvShape, _ ep: ConvEpilogue, parallel: Bool) -> Bool {
        guard ep.native, s.Mg == 1, s.h.dilation == 1, s.w.dilation == 1, s.h.kernel == s.w.kernel,
              s.h.stride == s.w.stride, let scratch = CPUKernels.depthwiseDirectScratch(s) else { return false }
        let planes = s.N * s.C, OHW = s.OHW
        // The interleaved kernel takes groups of eight planes: chunks of whole groups.
        let unit = scratch > 0 ? 8 : 1
        let fused = ep.residual == nil
        RuntimeThreading.chunks((planes + unit - 1) / unit, parallel: parallel) { r in
            let first = r.lowerBound * unit, end = min(planes, r.upperBound * unit)
            ScratchPool.shared.with(scratch) { buf in
                CPUKernels.depthwiseDirect(s, X, Wp, bias: fused ? ep.bias : nil, Y, first: first, count: end - first,
                                           activation: fused ? ep.activation : .identity, scratch: scratch > 0 ? buf : nil)
            }
            if !fused {
                for p in first..<end { ep.apply(Y + p * OHW, Y + p * OHW, count: OHW, channel: p % s.C, offset: p * OHW) }
            }
        }
        return true
    }
}
