#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
private import CKernels

/// The engine's own AVX2/FMA kernels (C, `Sources/CKernels`), used when the CPU has AVX2
/// and FMA; otherwise every caller keeps its portable Swift path (SIMD8 compiled for the
/// x86-64 baseline). The only Runtime file that calls CKernels.
///
/// `NNCODEC_NO_AVX2` in the environment (any value) turns them off for the process (A/B
/// timing); `Session.Options.nativeKernels = false` for one session (tests of the fallback).
enum CPUKernels {
    static let available: Bool = ck_cpu_has_avx2_fma() != 0 && getenv("NNCODEC_NO_AVX2") == nil
    /// AVX-512F too (the grouped kernel's wide tiles); `NNCODEC_NO_AVX512` turns it off.
    static let wide: Bool = available && ck_cpu_has_avx512f() != 0 && getenv("NNCODEC_NO_AVX512") == nil

    /// dst[i] = act(src[i] + bias + residual[i]) for i < n; false (nothing done) when the
    /// kernels are unavailable.
    @inline(__always)
    static func epilogue(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count n: Int, bias: Float,
                         residual: UnsafePointer<Float>?, activation: Activation) -> Bool {
        guard available else { return false }
        let (code, p0, p1) = activation.kernelCode
        ck_epilogue(src, dst, n, bias, residual, code, p0, p1)
        return true
    }

    /// One depthwise output plane (`DepthwiseGeometry.convolve`), finished by bias and
    /// activation; false (nothing done) when the kernels are unavailable.
    static func depthwisePlane(_ pad: UnsafePointer<Float>, _ k: UnsafePointer<Float>, offsets: UnsafePointer<Int>, taps: Int,
                               rows: Int, columns: Int, rowStep: Int, _ y: UnsafeMutablePointer<Float>,
                               bias: Float, activation: Activation) -> Bool {
        guard available else { return false }
        let (code, p0, p1) = activation.kernelCode
        ck_depthwise_plane(pad, k, offsets, taps, rows, columns, rowStep, y, bias, code, p0, p1)
        return true
    }

    /// Floats of scratch `depthwiseDirect` needs for a depthwise shape (square 3×3 or 5×5
    /// kernel, equal strides 1 or 2, no dilation, Mg = 1 — checked by the caller); nil when the
    /// kernels are unavailable or do not handle the shape.
    static func depthwiseDirectScratch(_ s: ConvShape) -> Int? {
        guard available else { return nil }
        var shape = s.directShape
        guard ck_depthwise_direct_supports(&shape) != 0 else { return nil }
        return ck_depthwise_direct_scratch(&shape)
    }

    /// Planes [first, first + count) of a depthwise convolution read in place
    /// (`DepthwiseDirect`), bias and activation applied; `scratch` of `depthwiseDirectScratch`
    /// floats (nil when that is 0).
    static func depthwiseDirect(_ s: ConvShape, _ x: UnsafePointer<Float>, _ k: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                _ y: UnsafeMutablePointer<Float>, first: Int, count: Int, activation: Activation,
                                scratch: UnsafeMutablePointer<Float>?) {
        var shape = s.directShape
        let (code, p0, p1) = activation.kernelCode
        ck_depthwise_direct(&shape, x, k, bias, y, first, count, code, p0, p1, scratch)
    }

    /// W (m × k) packed for `pointwise` (nil when the kernels are unavailable).
    static func packPointwise(_ w: UnsafePointer<Float>, m: Int, k: Int) -> [Float]? {
        guard available else { return nil }
        return [Float](unsafeUninitializedCapacity: ck_packed_panels_size(m, k)) { p, n in
            ck_pack_panels(w, m, k, p.baseAddress!)
            n = p.count
        }
    }

    /// W (m × k) packed as `packPointwise` does, into `out` (`packedSize(m:k:)` floats).
    static func packPanels(_ w: UnsafePointer<Float>, m: Int, k: Int, into out: UnsafeMutablePointer<Float>) {
        ck_pack_panels(w, m, k, out)
    }

    /// Floats of the scratch buffer `pointwiseImages` needs for k rows.
    static func imagesScratch(k: Int) -> Int { ck_images_work_size(k) }

    /// `pointwisePacking` for `images` images of a small map (hw ≥ 8) side by side: row p of
    /// image i at rows[i·k + p], output and residual of image i at i·m·hw.
    static func pointwiseImages(_ packed: UnsafePointer<Float>, m: Int, k: Int, rows: UnsafePointer<UnsafePointer<Float>?>,
                                scale: UnsafePointer<Float>?, shift: UnsafePointer<Float>?, hw: Int, images: Int,
                                _ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?, residual: UnsafePointer<Float>?,
                                activation: Activation, scratch: UnsafeMutablePointer<Float>) {
        let (code, p0, p1) = activation.kernelCode
        ck_gemm_images(packed, m, k, rows, scale, shift, scale != nil ? 1 : 0, hw, images, y, bias, residual, code, p0, p1, scratch)
    }

    /// Winograd's input transform of tile rows `rows` of C padded planes (`plane` floats
    /// apart, rows of pw): value ξ of tile (ty, tx) of plane c to
    /// out[ξ·step + c·ldc + (ty − rows.lowerBound)·tw + tx]. False when unavailable.
    static func winogradInput(_ pad: UnsafePointer<Float>, plane: Int, C: Int, pw: Int, tw: Int, rows: Range<Int>,
                              _ out: UnsafeMutablePointer<Float>, ldc: Int, step: Int) -> Bool {
        guard available else { return false }
        ck_winograd_input(pad, plane, C, pw, tw, rows.lowerBound, rows.upperBound, out, ldc, step)
        return true
    }

    /// Floats of `packPointwise`'s result for an m × k weight.
    static func packedSize(m: Int, k: Int) -> Int { ck_packed_panels_size(m, k) }

    /// The `groups` weights (each m × k, consecutive in `w`) packed one after another, each
    /// `packedSize(m:k:)` floats (nil when the kernels are unavailable).
    static func packGrouped(_ w: UnsafePointer<Float>, groups: Int, m: Int, k: Int) -> [Float]? {
        guard available else { return nil }
        let size = ck_packed_panels_size(m, k)
        return [Float](unsafeUninitializedCapacity: groups * size) { p, n in
            for g in 0..<groups { ck_pack_panels(w + g * m * k, m, k, p.baseAddress! + g * size) }
            n = groups * size
        }
    }

    /// y (m × n) = act(W · B + bias) where row p of B is x + rows[p] (k rows of n floats).
    static func pointwiseRows(_ packed: UnsafePointer<Float>, m: Int, k: Int, _ x: UnsafePointer<Float>, rows: UnsafePointer<Int>,
                              n: Int, _ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?, activation: Activation) {
        let (code, p0, p1) = activation.kernelCode
        ck_gemm_packed_rows(packed, m, k, x, rows, n, y, bias, nil, code, p0, p1)
    }

    /// Floats of the scratch buffer `pointwisePacking` needs for k rows.
    static func packingScratch(k: Int) -> Int { ck_packb_work_size(k) }

    /// y (m × n) = epilogue(W · B) for one image, row p of B (n floats) at rows[p], each value
    /// first mapped to v · scale[p] + shift[p] and then (preRelu) to max(·, 0) when scale
    /// and shift are given; B is packed block by block into `scratch`.
    static func pointwisePacking(_ packed: UnsafePointer<Float>, m: Int, k: Int, rows: UnsafePointer<UnsafePointer<Float>?>,
                                 scale: UnsafePointer<Float>?, shift: UnsafePointer<Float>?, preRelu: Bool, n: Int,
                                 _ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?, residual: UnsafePointer<Float>?,
                                 activation: Activation, scratch: UnsafeMutablePointer<Float>) {
        let (code, p0, p1) = activation.kernelCode
        ck_gemm_packb(packed, m, k, rows, scale, shift, preRelu ? 1 : 0, n, y, bias, residual, code, p0, p1, scratch)
    }

    /// y (m × n) = epilogue(W · x (k × n)) for one image, W packed by `packPointwise`;
    /// `residual` has y's layout, bias one value per row.
    static func pointwise(_ packed: UnsafePointer<Float>, m: Int, k: Int, _ x: UnsafePointer<Float>, n: Int,
                          _ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?, residual: UnsafePointer<Float>?,
                          activation: Activation) {
        let (code, p0, p1) = activation.kernelCode
        ck_gemm_packed(packed, m, k, x, n, y, bias, residual, code, p0, p1)
    }
}

extension CPUKernels {
    /// The weights (M × K) of a grouped convolution packed for `groupedConv` (nil when the
    /// kernels are unavailable).
    static func packGroupedLanes(_ w: UnsafePointer<Float>, _ p: PhasedConv) -> [Float]? {
        guard available else { return nil }
        var shape = p.groupedShape
        return [Float](unsafeUninitializedCapacity: ck_grouped_packed_size(&shape)) { b, n in
            ck_grouped_pack(&shape, w, b.baseAddress!)
            n = b.count
        }
    }

    /// Floats of scratch one `groupedConv` call needs.
    static func groupedScratch(_ p: PhasedConv) -> Int {
        var shape = p.groupedShape
        return ck_grouped_pad_size(&shape)
    }

    /// (group, image) items `items` (item = group · N + image) of a grouped convolution:
    /// y = act(conv(x, W) + bias + residual) for those groups' output channels; `wide`: the
    /// AVX-512 tiles where the CPU has them (false: the AVX2 tiles, for tests).
    static func groupedConv(_ p: PhasedConv, offsets: UnsafePointer<Int>, packed: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
                            bias: UnsafePointer<Float>?, residual: UnsafePointer<Float>?, _ y: UnsafeMutablePointer<Float>,
                            items: Range<Int>, activation: Activation, wide: Bool = CPUKernels.wide,
                            scratch: UnsafeMutablePointer<Float>) {
        var shape = p.groupedShape
        let (code, p0, p1) = activation.kernelCode
        ck_grouped_conv(&shape, offsets, packed, x, bias, residual, y, items.lowerBound, items.count, code, p0, p1,
                        wide && CPUKernels.wide ? 1 : 0, scratch)
    }
}

extension PhasedConv {
    /// The geometry as `ck_grouped_conv` takes it.
    fileprivate var groupedShape: ck_grouped_shape {
        ck_grouped_shape(images: s.N, C: s.C, ih: s.h.input, iw: s.w.input, M: s.M, oh: s.h.output, ow: s.w.output,
                         groups: s.group, k: s.K, sh: s.h.stride, sw: s.w.stride, pad_top: s.h.padBegin,
                         pad_left: s.w.padBegin, sub_rows: subRows, sub_cols: subColumns,
                         span_h: (s.h.kernel - 1) * s.h.dilation + 1)
    }
}

extension ConvShape {
    /// The shape as CKernels' depthwise kernels take it.
    fileprivate var directShape: ck_dw_shape {
        ck_dw_shape(ih: h.input, iw: w.input, oh: h.output, ow: w.output, kernel: h.kernel, stride: h.stride,
                    pad_top: h.padBegin, pad_left: w.padBegin, channels: C)
    }
}

extension Activation {
    /// The activation as CKernels' code and parameters.
    fileprivate var kernelCode: (Int32, Float, Float) {
        switch self {
        case .identity: return (Int32(CK_IDENTITY), 0, 0)
        case .relu: return (Int32(CK_RELU), 0, 0)
        case .clip(let lo, let hi): return (Int32(CK_CLIP), lo, hi)
        case .sigmoid: return (Int32(CK_SIGMOID), 0, 0)
        case .silu: return (Int32(CK_SILU), 0, 0)
        case .hardSigmoid(let a, let b): return (Int32(CK_HARD_SIGMOID), a, b)
        case .hardSwish: return (Int32(CK_HARD_SWISH), 0, 0)
        case .leakyRelu(let a): return (Int32(CK_LEAKY_RELU), a, 0)
        }
    }
}
