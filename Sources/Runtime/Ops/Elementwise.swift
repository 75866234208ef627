#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Elementwise arithmetic with broadcasting: Add, Sub, Mul, Div, Mod, Pow, Max, Min, Sum, Mean,
// PRelu, Where. Comparisons are in Comparison.swift, unary operators in UnaryOps.swift.

@inline(__always)
func mapFloats(_ v: [Float], _ f: (Float) -> Float) -> [Float] {
    let n = v.count
    return [Float](unsafeUninitializedCapacity: n) { buf, c in
        v.withUnsafeBufferPointer { x in
            for i in 0..<n { (buf.baseAddress! + i).initialize(to: f(x[i])) }
        }
        c = n
    }
}

@inline(__always)
private func binary(_ ctx: NodeContext, _ a: NDArray, _ b: NDArray,
                    float: (Float, Float) -> Float, int: ((Int64, Int64) throws -> Int64)?) throws -> NDArray {
    switch (a.storage, b.storage) {
    case let (.float(x), .float(y)):
        guard let (r, s) = broadcastMap(x, a.shape, y, b.shape, float) else {
            throw ctx.fail("cannot broadcast \(a.shape) with \(b.shape)")
        }
        return NDArray(shape: s, floats: r)
    case let (.int64(x), .int64(y)):
        guard let int else { throw ctx.fail("int64 inputs are not supported") }
        var err: Error?
        guard let (r, s) = broadcastMap(x, a.shape, y, b.shape, { (p: Int64, q: Int64) -> Int64 in
            do { return try int(p, q) } catch { err = error; return 0 }
        }) else {
            throw ctx.fail("cannot broadcast \(a.shape) with \(b.shape)")
        }
        if let err { throw err }
        return NDArray(shape: s, int64s: r)
    default:
        throw ctx.fail("inputs must have the same type, got \(a.elementType) and \(b.elementType)")
    }
}

private func intPow(_ a: Int64, _ b: Int64) -> Int64 {
    if b < 0 { return a == 1 ? 1 : (a == -1 ? (b % 2 == 0 ? 1 : -1) : 0) }
    var r: Int64 = 1, base = a, e = b
    while e > 0 {
        if e & 1 == 1 { r = r &* base }
        base = base &* base
        e >>= 1
    }
    return r
}

let elementwiseKernels: [String: Kernel] = [
    "Add": addKernel,
    "Sub": subKernel,
    "Mul": mulKernel,
    "Div": divKernel,
    "Mod": modKernel,
    "Pow": powKernel,
    "Max": variadic({ (a, b) in (a.isNaN || b.isNaN) ? Float.nan : Swift.max(a, b) }, { Swift.max($0, $1) }),
    "Min": variadic({ (a, b) in (a.isNaN || b.isNaN) ? Float.nan : Swift.min(a, b) }, { Swift.min($0, $1) }),
    "Sum": variadic({ $0 + $1 }, { $0 &+ $1 }),
    "Mean": meanKernel,
    "PRelu": pReluKernel,
    "Where": whereKernel,
]

/// Registers the elementwise operators of this file, Comparison.swift and UnaryOps.swift:
/// one kernel function (or kernel-making call) per operator.
func registerElementwise(_ k: inout [String: Kernel]) {
    for table in [elementwiseKernels, comparisonKernels, unaryKernels] {
        k.merge(table) { $1 }
    }
}

private func variadic(_ f: @escaping @Sendable (Float, Float) -> Float, _ g: @escaping @Sendable (Int64, Int64) -> Int64) -> Kernel {
    { ctx in
        var acc = try ctx.input(0)
        for i in 1..<ctx.inputCount { acc = try binary(ctx, acc, ctx.input(i), float: f, int: g) }
        return [acc]
    }
}

private func addKernel(_ ctx: NodeContext) throws -> [NDArray] { [try binary(ctx, ctx.input(0), ctx.input(1), float: +, int: { $0 &+ $1 })] }

private func subKernel(_ ctx: NodeContext) throws -> [NDArray] { [try binary(ctx, ctx.input(0), ctx.input(1), float: -, int: { $0 &- $1 })] }

private func mulKernel(_ ctx: NodeContext) throws -> [NDArray] {
    let a = try ctx.input(0), b = try ctx.input(1), par = ctx.options.parallel
    if let y = perPlaneProduct(a, b, parallel: par, pool: ctx.pool) ?? perPlaneProduct(b, a, parallel: par, pool: ctx.pool) { return [y] }
    return [try binary(ctx, a, b, float: *, int: { $0 &* $1 })]
}

private func divKernel(_ ctx: NodeContext) throws -> [NDArray] {
    [try binary(ctx, ctx.input(0), ctx.input(1), float: /, int: { a, b in
        guard b != 0 else { throw ctx.fail("integer division by zero") }
        return a / b
    })]
}

private func modKernel(_ ctx: NodeContext) throws -> [NDArray] {
    let fmod = ctx.int("fmod", 0) == 1
    return [try binary(ctx, ctx.input(0), ctx.input(1), float: { a, b in
        if fmod { return fmodf(a, b) }
        let r = fmodf(a, b)
        return (r != 0 && (r < 0) != (b < 0)) ? r + b : r
    }, int: { a, b in
        guard b != 0 else { throw ctx.fail("integer modulo by zero") }
        let r = a % b
        if fmod { return r }
        return (r != 0 && (r < 0) != (b < 0)) ? r + b : r
    })]
}

private func powKernel(_ ctx: NodeContext) throws -> [NDArray] {
    let a = try ctx.input(0)
    var b = try ctx.input(1)
    if a.elementType == .float32 && b.elementType != .float32 { b = b.cast(to: .float32) }
    if a.elementType == .int64 && b.elementType == .float32 {
        let r = try binary(ctx, a.cast(to: .float32), b, float: powf, int: nil)
        return [r.cast(to: .int64)]
    }
    if case .float(let e) = b.storage, e.count == 1, case .float(let x) = a.storage {
        let p = e[0]
        if p == 2 { return [NDArray(shape: broadcastShape(a.shape, b.shape)!, floats: mapFloats(x) { $0 * $0 })] }
        if p == 1 { return [NDArray(shape: broadcastShape(a.shape, b.shape)!, floats: x)] }
        if p == 0.5 { return [NDArray(shape: broadcastShape(a.shape, b.shape)!, floats: mapFloats(x, sqrtf))] }
        if p == 3 { return [NDArray(shape: broadcastShape(a.shape, b.shape)!, floats: mapFloats(x) { $0 * $0 * $0 })] }
    }
    return [try binary(ctx, a, b, float: powf, int: intPow)]
}

private func meanKernel(_ ctx: NodeContext) throws -> [NDArray] {
    var acc = try ctx.input(0)
    for i in 1..<ctx.inputCount { acc = try binary(ctx, acc, ctx.input(i), float: +, int: nil) }
    let n = Float(ctx.inputCount)
    return [NDArray(shape: acc.shape, floats: mapFloats(acc.floats) { $0 / n })]
}

private func pReluKernel(_ ctx: NodeContext) throws -> [NDArray] {
    [try binary(ctx, ctx.input(0), ctx.input(1), float: { x, s in x < 0 ? x * s : x }, int: { x, s in x < 0 ? x &* s : x })]
}

private func whereKernel(_ ctx: NodeContext) throws -> [NDArray] {
    let c = try ctx.input(0), x = try ctx.input(1), y = try ctx.input(2)
    guard case .bool(let cv) = c.storage else { throw ctx.fail("condition must be bool, got \(c.elementType)") }
    guard let s1 = broadcastShape(c.shape, x.shape), let out = broadcastShape(s1, y.shape) else {
        throw ctx.fail("cannot broadcast \(c.shape), \(x.shape), \(y.shape)")
    }
    let cc = broadcastTo(cv, c.shape, out)
    func pick<T>(_ a: [T], _ b: [T]) -> [T] {
        let aa = broadcastTo(a, x.shape, out), bb = broadcastTo(b, y.shape, out)
        return (0..<cc.count).map { cc[$0] ? aa[$0] : bb[$0] }
    }
    switch (x.storage, y.storage) {
    case let (.float(a), .float(b)): return [NDArray(shape: out, floats: pick(a, b))]
    case let (.int64(a), .int64(b)): return [NDArray(shape: out, int64s: pick(a, b))]
    case let (.bool(a), .bool(b)): return [NDArray(shape: out, bools: pick(a, b))]
    default: throw ctx.fail("X and Y must have the same type, got \(x.elementType) and \(y.elementType)")
    }
}

