/// An ungrouped 1×1 stride-1 convolution through CPUKernels' pointwise GEMM: W packed once
/// (per constant weight), each image's input planes read in place (no unfolding, no
/// packing), 6 × 16 output tiles finished by the epilogue (bias, residual, activation) in
/// registers. Images are split over the cores.
///
/// Measured against the OpenBLAS path (`convForward`) on the 1×1 shapes of the torchvision
/// models: see docs/runtime.md.
func convPointwise(_ X: UnsafePointer<Float>, _ panels: UnsafePointer<Float>, _ Y: UnsafeMutablePointer<Float>,
                   _ s: ConvShape, _ ep: ConvEpilogue, parallel: Bool) {
    let C = s.C, M = s.M, HW = s.HW
    RuntimeThreading.chunks(s.N, parallel: parallel) { r in
        for n in r {
            CPUKernels.pointwise(panels, m: M, k: C, X + n * C * HW, n: HW, Y + n * M * HW,
                                 bias: ep.bias, residual: ep.residual.map { $0 + n * M * HW }, activation: ep.activation)
        }
    }
}
