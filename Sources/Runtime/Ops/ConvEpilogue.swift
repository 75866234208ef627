/// What a convolution does to each output channel row after its GEMM (or depthwise pass):
/// add the bias, add a residual of the output's shape, apply the activation (in that
/// order), while the row is still in cache.
struct ConvEpilogue {
    var bias: UnsafePointer<Float>?
    var residual: UnsafePointer<Float>?
    var activation: Activation = .identity
    /// Through CPUKernels (AVX2/FMA) when the CPU allows; false: the portable loops.
    var native = true

    /// dst[0..<n] = epilogue(src[0..<n]) for output channel `m` at output offset `offset`
    /// (`src` may be `dst`).
    @inline(__always)
    func apply(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count n: Int, channel m: Int, offset: Int) {
        let b = bias?[m] ?? 0
        // Short rows (grouped and wide paths: one output row per call) stay inline unless
        // the activation is an exponential.
        if native, n >= 64 || activation == .silu || activation == .sigmoid,
           bias != nil || residual != nil || activation != .identity,
           CPUKernels.epilogue(src, dst, count: n, bias: b, residual: residual.map { $0 + offset }, activation: activation) {
            return
        }
        let relu = activation == .relu
        if let residual {
            let r = residual + offset
            if relu {
                for i in 0..<n { let v = src[i] + b + r[i]; dst[i] = v > 0 ? v : 0 }
                return
            }
            for i in 0..<n { dst[i] = src[i] + b + r[i] }
        } else if relu {
            for i in 0..<n { let v = src[i] + b; dst[i] = v > 0 ? v : 0 }
            return
        } else if bias != nil || src != UnsafePointer(dst) {
            for i in 0..<n { dst[i] = src[i] + b }
        }
        activation.apply(dst, count: n, native: false)
    }
}
