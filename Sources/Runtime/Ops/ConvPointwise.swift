/// Ungrouped 1×1 stride-1 convolutions through CPUKernels' GEMMs: W packed once (per
/// constant weight) into 6-row panels, 6 × 16 output tiles finished by the epilogue (bias,
/// residual, activation) in registers.
///
/// * Maps of ≥ 128 pixels, one image per call (images split over the cores): B read in place
///   (`CPUKernels.pointwise`); with a pre-activation prologue, B packed per block
///   (`pointwisePacking`, the prologue applied while packing; a C harness: 1.0–1.26× the
///   in-place kernel from k = 128, 0.86–0.95× below; on plain RegNetX-400MF layers
///   with k = 160 it measured 0.92× in CPU time, so plain convolutions keep the in-place one).
/// * Smaller maps (8 to 127 pixels: 7×7, 8×8, 11×11) with ≥ 128 input channels: the columns
///   of several images side by side in one call (`pointwiseImages`), as OpenBLAS did before
///   with copies (C harness: 1.04–1.11× OpenBLAS at k = 400–1024, 0.96 at k = 160).
///
/// Measured against OpenBLAS and onnxruntime on the torchvision models: docs/runtime.md.
func convPointwise(_ X: UnsafePointer<Float>, _ panels: UnsafePointer<Float>, _ Y: UnsafeMutablePointer<Float>,
                   _ s: ConvShape, _ ep: ConvEpilogue, parallel: Bool) {
    let C = s.C, M = s.M, HW = s.HW
    if HW >= 128 {
        RuntimeThreading.chunks(s.N, parallel: parallel) { r in
            for n in r {
                CPUKernels.pointwise(panels, m: M, k: C, X + n * C * HW, n: HW, Y + n * M * HW,
                                     bias: ep.bias, residual: ep.residual.map { $0 + n * M * HW }, activation: ep.activation)
            }
        }
        return
    }
    convPointwiseRows(panels, s, ep, scale: nil, shift: nil, parallel: parallel, Y) { n, rows in
        for p in 0..<C { rows[p] = X + (n * C + p) * HW }
    }
}

/// The same with row p of image n's input at the pointer `fill(n, rows)` puts in rows[p],
/// each value first mapped to max(v · scale[p] + shift[p], 0) when scale and shift are given.
func convPointwiseRows(_ panels: UnsafePointer<Float>, _ s: ConvShape, _ ep: ConvEpilogue,
                       scale: UnsafePointer<Float>?, shift: UnsafePointer<Float>?, parallel: Bool,
                       _ Y: UnsafeMutablePointer<Float>,
                       fill: (Int, UnsafeMutablePointer<UnsafePointer<Float>?>) -> Void) {
    let K = s.C, M = s.M, HW = s.HW
    let small = HW < 128
    // Small maps: two calls per core of several images each (5 calls of 3 images on 2 cores
    // leave one core idle for a fifth of the time).
    let minChunk = small ? max(1, s.N / (2 * RuntimeThreading.cores)) : 1
    RuntimeThreading.chunks(s.N, parallel: parallel, minChunk: minChunk) { r in
        let perCall = small ? r.count : 1
        let rows = UnsafeMutablePointer<UnsafePointer<Float>?>.allocate(capacity: max(1, K * perCall))
        defer { rows.deallocate() }
        let scratch = small ? CPUKernels.imagesScratch(k: K) : CPUKernels.packingScratch(k: K)
        ScratchPool.shared.with(scratch) { work in
            if small {
                for (i, n) in r.enumerated() { fill(n, rows + i * K) }
                let off = r.lowerBound * M * HW
                CPUKernels.pointwiseImages(panels, m: M, k: K, rows: rows, scale: scale, shift: shift, hw: HW, images: r.count,
                                           Y + off, bias: ep.bias, residual: ep.residual.map { $0 + off },
                                           activation: ep.activation, scratch: work)
                return
            }
            for n in r {
                fill(n, rows)
                CPUKernels.pointwisePacking(panels, m: M, k: K, rows: rows, scale: scale, shift: shift, preRelu: scale != nil,
                                            n: HW, Y + n * M * HW, bias: ep.bias, residual: ep.residual.map { $0 + n * M * HW },
                                            activation: ep.activation, scratch: work)
            }
        }
    }
}
