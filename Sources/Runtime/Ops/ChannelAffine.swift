#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Per-channel work over N×C×spatial planes, split over the cores: BatchNormalization (with
// a fused activation) and a tensor times one value per plane (squeeze-excitation's
// `Mul(x, s)` with s of shape N×C×1×1).

/// y = activation(x · a[c] + b[c]) with BatchNormalization's a and b (inference).
func batchNormalization(_ ctx: NodeContext, activation: Activation) throws -> [NDArray] {
    let x = try ctx.input(0)
    guard x.rank >= 2 else { throw ctx.fail("input must have rank ≥ 2, got \(x.shape)") }
    if ctx.int("training_mode", 0) != 0 { throw ctx.fail("training_mode=1 is not supported (inference only)") }
    let xv = try ctx.floats(0)
    let scale = try ctx.floats(1), bias = try ctx.floats(2), mean = try ctx.floats(3), variance = try ctx.floats(4)
    let eps = ctx.float("epsilon", 1e-5)
    let C = x.shape[1], S = x.shape.dropFirst(2).reduce(1, *)
    guard scale.count == C, bias.count == C, mean.count == C, variance.count == C else {
        throw ctx.fail("scale/B/mean/var must have \(C) values")
    }
    var a = [Float](repeating: 0, count: C), b = [Float](repeating: 0, count: C)
    for c in 0..<C {
        a[c] = scale[c] / sqrtf(variance[c] + eps)
        b[c] = bias[c] - mean[c] * a[c]
    }
    let native = ctx.options.nativeKernels
    let out = mapPlanes(xv, planes: x.shape[0] * C, size: S, parallel: ctx.options.parallel, pool: ctx.pool) { p, src, dst in
        let ac = a[p % C], bc = b[p % C]
        for i in 0..<S { dst[i] = src[i] * ac + bc }
        activation.apply(dst, count: S, native: native)
    }
    return [NDArray(shape: x.shape, floats: out)]
}

/// `x · v` when v holds one value per leading-axes plane of x (v's shape, right-aligned,
/// is 1 on every trailing axis and equal or 1 on the leading ones), e.g. N×C×H×W times
/// N×C×1×1; nil for every other pair (the general broadcast handles those).
func perPlaneProduct(_ x: NDArray, _ v: NDArray, parallel: Bool, pool: ActivationPool? = nil) -> NDArray? {
    guard case .float(let xv) = x.storage, case .float(let vv) = v.storage,
          v.rank <= x.rank, vv.count > 1, vv.count < xv.count else { return nil }
    let r = x.rank
    let vs = [Int](repeating: 1, count: r - v.rank) + v.shape
    // Leading axes k: v is 1 on axes k..<r, and v's axes before k match x's or are 1.
    var k = r
    while k > 0 && vs[k - 1] == 1 { k -= 1 }
    guard k > 0, k < r, (0..<k).allSatisfy({ vs[$0] == x.shape[$0] || vs[$0] == 1 }) else { return nil }
    let planes = x.shape[..<k].reduce(1, *), size = x.shape[k...].reduce(1, *)
    // Index into v of every plane (v broadcast over the leading axes where it is 1).
    var index = [Int](repeating: 0, count: planes)
    let xStrides = contiguousStrides(Array(x.shape[..<k])), vStrides = contiguousStrides(Array(vs[..<k]))
    for p in 0..<planes {
        var rem = p, j = 0
        for d in 0..<k {
            let i = rem / xStrides[d]; rem %= xStrides[d]
            if vs[d] != 1 { j += i * vStrides[d] }
        }
        index[p] = j
    }
    let out = mapPlanes(xv, planes: planes, size: size, parallel: parallel, pool: pool) { p, src, dst in
        let s = vv[index[p]]
        for i in 0..<size { dst[i] = src[i] * s }
    }
    return NDArray(shape: x.shape, floats: out)
}

/// A new array of `planes × size` floats (from `pool` when one fits), plane p written by
/// `body(p, x + p·size, y + p·size)`.
@inline(__always)
func mapPlanes(_ x: [Float], planes: Int, size: Int, parallel: Bool, pool: ActivationPool?,
               _ body: (Int, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> [Float] {
    let n = planes * size
    if n == 0 { return [] }
    return newFloats(pool, n) { dst in
        x.withUnsafeBufferPointer { px in
            let src = px.baseAddress!
            RuntimeThreading.chunks(planes, parallel: parallel && n >= 1 << 15) { r in
                for p in r { body(p, src + p * size, dst + p * size) }
            }
        }
    }
}
