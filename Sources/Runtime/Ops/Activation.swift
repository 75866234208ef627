#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pointwise activation, vectorised with SIMD8: applied in place over a row, either in a
/// convolution's epilogue (fused) or as its own kernel.
///
/// Sigmoid and SiLU use `simdExp` (Cephes' polynomial, within 2 ulp of `expf` on
/// [-88, 88]; inputs are clamped to that range, so sigmoid saturates at ≈ 4e-39 and 1).
enum Activation: Sendable, Equatable {
    case identity
    case relu
    case clip(lo: Float, hi: Float)
    case sigmoid
    /// x · sigmoid(x) (ONNX: `Mul(x, Sigmoid(x))`).
    case silu
    /// clamp(alpha·x + beta, 0, 1).
    case hardSigmoid(alpha: Float, beta: Float)
    /// x · clamp(x/6 + 1/2, 0, 1).
    case hardSwish
    case leakyRelu(alpha: Float)

    /// p[0..<n] = f(p[0..<n]); `native`: through CPUKernels when the CPU allows.
    func apply(_ p: UnsafeMutablePointer<Float>, count n: Int, native: Bool) {
        if native, self != .identity, CPUKernels.epilogue(p, p, count: n, bias: 0, residual: nil, activation: self) { return }
        switch self {
        case .identity: return
        case .relu: for i in 0..<n { p[i] = p[i] > 0 ? p[i] : 0 }
        case .clip(let lo, let hi): for i in 0..<n { p[i] = Swift.min(Swift.max(p[i], lo), hi) }
        case .leakyRelu(let a): for i in 0..<n { p[i] = p[i] >= 0 ? p[i] : p[i] * a }
        case .hardSigmoid(let a, let b): for i in 0..<n { p[i] = Swift.max(0, Swift.min(1, a * p[i] + b)) }
        case .hardSwish: for i in 0..<n { p[i] = p[i] * Swift.max(0, Swift.min(1, p[i] / 6 + 0.5)) }
        case .sigmoid: sigmoidRow(p, n, timesInput: false)
        case .silu: sigmoidRow(p, n, timesInput: true)
        }
    }

    /// The activation of a single value (tails, tests).
    func callAsFunction(_ x: Float) -> Float {
        var v = x
        apply(&v, count: 1, native: false)
        return v
    }
}

typealias F8 = SIMD8<Float>

/// p[i] = sigmoid(p[i]) (· p[i] when `timesInput`), eight lanes at a time.
private func sigmoidRow(_ p: UnsafeMutablePointer<Float>, _ n: Int, timesInput: Bool) {
    let raw = UnsafeMutableRawPointer(p)
    var i = 0
    while i + 8 <= n {
        let v = raw.loadUnaligned(fromByteOffset: i * 4, as: F8.self)
        let s = simdSigmoid(v)
        raw.storeBytes(of: timesInput ? v * s : s, toByteOffset: i * 4, as: F8.self)
        i += 8
    }
    if i < n {
        var v = F8(repeating: 0)
        for j in 0..<(n - i) { v[j] = p[i + j] }
        let s = simdSigmoid(v)
        for j in 0..<(n - i) { p[i + j] = timesInput ? v[j] * s[j] : s[j] }
    }
}

/// e^x for 8 lanes: x = k·ln2 + r with |r| ≤ ln2/2, e^r by Cephes' degree-7 polynomial,
/// 2^k put into the exponent bits. k is rounded by adding 1.5·2²³ (its low mantissa bits
/// are then k); `replacing(with:where:)` clamps (pointwiseMin/Max are not inlined).
@inline(__always)
func simdExp(_ x0: F8) -> F8 {
    var x = x0.replacing(with: -87.3, where: x0 .< -87.3)
    x = x.replacing(with: 88.3, where: x .> 88.3)
    let magic = F8(repeating: 12582912)
    let t = x * 1.44269504088896341 + magic
    let k = t - magic
    var r = x - k * 0.693359375
    r = r - k * -2.12194440e-4
    var y = F8(repeating: 1.9875691500e-4)
    y = y * r + 1.3981999507e-3
    y = y * r + 8.3334519073e-3
    y = y * r + 4.1665795894e-2
    y = y * r + 1.6666665459e-1
    y = y * r + 5.0000001201e-1
    y = y * (r * r) + r + 1
    let e = ((unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000) &+ 127) &<< 23
    return y * unsafeBitCast(e, to: F8.self)
}

@inline(__always)
func simdSigmoid(_ x: F8) -> F8 {
    1 / (1 + simdExp(-x))
}

/// Activation kernels for whole arrays, split over the cores.
func activationKernel(_ ctx: NodeContext, _ act: Activation) throws -> [NDArray] {
    let x = try ctx.input(0)
    let v = try ctx.floats(0)
    let n = v.count
    if n == 0 { return [x] }
    let native = ctx.options.nativeKernels
    let out = ctx.outputFloats(n) { dst in
        v.withUnsafeBufferPointer { src in
            let s = src.baseAddress!
            RuntimeThreading.chunks((n + 4095) / 4096, parallel: ctx.options.parallel && n >= 1 << 15) { r in
                let lo = r.lowerBound * 4096, hi = min(n, r.upperBound * 4096)
                if native,
                   CPUKernels.epilogue(s + lo, dst + lo, count: hi - lo, bias: 0, residual: nil, activation: act) { return }
                (dst + lo).update(from: s + lo, count: hi - lo)
                act.apply(dst + lo, count: hi - lo, native: false)
            }
        }
    }
    return [NDArray(shape: x.shape, floats: out)]
}
