#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Unary elementwise operators and activations: Sqrt, Exp, Log, ..., Relu, Gelu, Clip.

let unaryKernels: [String: Kernel] = [
    "Sqrt": unaryFloat(sqrtf),
    "Exp": unaryFloat(expf),
    "Log": unaryFloat(logf),
    "Erf": unaryFloat(erff),
    "Tanh": unaryFloat(tanhf),
    "Sin": unaryFloat(sinf),
    "Cos": unaryFloat(cosf),
    "Floor": unaryFloat(floorf),
    "Ceil": unaryFloat(ceilf),
    "Round": unaryFloat { $0.rounded(.toNearestOrEven) },
    "Reciprocal": unaryFloat { 1 / $0 },
    "Sigmoid": sigmoidKernel,
    "Softplus": unaryFloat { $0 > 20 ? $0 : log1pf(expf($0)) },
    "Softsign": unaryFloat { $0 / (1 + abs($0)) },
    "Neg": unaryNumeric({ -$0 }, { 0 &- $0 }),
    "Abs": unaryNumeric({ abs($0) }, { $0 < 0 ? 0 &- $0 : $0 }),
    "Sign": unaryNumeric({ $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }, { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }),
    "Relu": reluKernel,
    "LeakyRelu": leakyReluKernel,
    "Elu": eluKernel,
    "Selu": seluKernel,
    "HardSigmoid": hardSigmoidKernel,
    "HardSwish": hardSwishKernel,
    "Gelu": geluKernel,
    "Clip": clipKernel,
]

/// A float-only unary kernel applying `f` to every element.
func unaryFloat(_ f: @escaping @Sendable (Float) -> Float) -> Kernel {
    { ctx in
        let x = try ctx.input(0)
        return [NDArray(shape: x.shape, floats: mapFloats(try ctx.floats(0), f))]
    }
}

/// Unary op that also applies to int64 inputs.
private func unaryNumeric(_ f: @escaping @Sendable (Float) -> Float, _ g: @escaping @Sendable (Int64) -> Int64) -> Kernel {
    { ctx in
        let x = try ctx.input(0)
        switch x.storage {
        case .float(let v): return [NDArray(shape: x.shape, floats: mapFloats(v, f))]
        case .int64(let v): return [NDArray(shape: x.shape, int64s: v.map(g))]
        case .bool: throw ctx.fail("bool input is not supported")
        }
    }
}

@inline(__always) func sigmoidf(_ x: Float) -> Float {
    x >= 0 ? 1 / (1 + expf(-x)) : { let e = expf(x); return e / (1 + e) }()
}

private func sigmoidKernel(_ ctx: NodeContext) throws -> [NDArray] { try activationKernel(ctx, .sigmoid) }

private func reluKernel(_ ctx: NodeContext) throws -> [NDArray] {
    let x = try ctx.input(0)
    switch x.storage {
    case .float: return try activationKernel(ctx, .relu)
    case .int64(let v): return [NDArray(shape: x.shape, int64s: v.map { $0 > 0 ? $0 : 0 })]
    case .bool: throw ctx.fail("bool input is not supported")
    }
}

private func leakyReluKernel(_ ctx: NodeContext) throws -> [NDArray] {
    try activationKernel(ctx, .leakyRelu(alpha: ctx.float("alpha", 0.01)))
}

private func eluKernel(_ ctx: NodeContext) throws -> [NDArray] {
    let a = ctx.float("alpha", 1)
    return [NDArray(shape: try ctx.input(0).shape, floats: mapFloats(try ctx.floats(0)) { $0 >= 0 ? $0 : a * (expf($0) - 1) })]
}

private func seluKernel(_ ctx: NodeContext) throws -> [NDArray] {
    let a = ctx.float("alpha", 1.67326319217681884765625), g = ctx.float("gamma", 1.05070102214813232421875)
    return [NDArray(shape: try ctx.input(0).shape, floats: mapFloats(try ctx.floats(0)) { $0 > 0 ? g * $0 : g * a * (expf($0) - 1) })]
}

private func hardSigmoidKernel(_ ctx: NodeContext) throws -> [NDArray] {
    try activationKernel(ctx, .hardSigmoid(alpha: ctx.float("alpha", 0.2), beta: ctx.float("beta", 0.5)))
}

private func hardSwishKernel(_ ctx: NodeContext) throws -> [NDArray] { try activationKernel(ctx, .hardSwish) }

private func geluKernel(_ ctx: NodeContext) throws -> [NDArray] {
    let approx = ctx.string("approximate", "none")
    let x = try ctx.input(0)
    if approx == "tanh" {
        let c = Float(0.7978845608028654) // sqrt(2/pi)
        return [NDArray(shape: x.shape, floats: mapFloats(try ctx.floats(0)) { v in 0.5 * v * (1 + tanhf(c * (v + 0.044715 * v * v * v))) })]
    }
    guard approx == "none" else { throw ctx.fail("unknown approximate '\(approx)'") }
    let r = Float(0.7071067811865476)
    return [NDArray(shape: x.shape, floats: mapFloats(try ctx.floats(0)) { v in 0.5 * v * (1 + erff(v * r)) })]
}

private func clipKernel(_ ctx: NodeContext) throws -> [NDArray] {
    let x = try ctx.input(0)
    switch x.storage {
    case .float:
        let (lo, hi) = clipBounds(ctx, first: 1)
        return try activationKernel(ctx, .clip(lo: lo, hi: hi))
    case .int64(let v):
        let lo = ctx.optionalInput(1)?.int64s[0] ?? Int64.min
        let hi = ctx.optionalInput(2)?.int64s[0] ?? Int64.max
        return [NDArray(shape: x.shape, int64s: v.map { Swift.min(Swift.max($0, lo), hi) })]
    case .bool: throw ctx.fail("bool input is not supported")
    }
}

/// Clip's bounds: attributes (opset < 11) or inputs `first` and `first + 1` (±∞ when absent).
func clipBounds(_ ctx: NodeContext, first: Int) -> (Float, Float) {
    var lo = -Float.infinity, hi = Float.infinity
    if ctx.opset < 11 || ctx.has("min") || ctx.has("max") {
        lo = ctx.float("min", lo); hi = ctx.float("max", hi)
    }
    if let m = ctx.optionalInput(first), let v = m.floats.first { lo = v }
    if let m = ctx.optionalInput(first + 1), let v = m.floats.first { hi = v }
    return (lo, hi)
}
