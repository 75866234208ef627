#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Elementwise operators: arithmetic with broadcasting, comparisons, logic, activations.

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

private func compare(_ ctx: NodeContext, float: @escaping (Float, Float) -> Bool, int: @escaping (Int64, Int64) -> Bool,
                     bool: ((Bool, Bool) -> Bool)? = nil) throws -> [NDArray] {
    let a = try ctx.input(0), b = try ctx.input(1)
    let result: ([Bool], [Int])?
    switch (a.storage, b.storage) {
    case let (.float(x), .float(y)): result = broadcastMap(x, a.shape, y, b.shape, float)
    case let (.int64(x), .int64(y)): result = broadcastMap(x, a.shape, y, b.shape, int)
    case let (.bool(x), .bool(y)):
        guard let bool else { throw ctx.fail("bool inputs are not supported") }
        result = broadcastMap(x, a.shape, y, b.shape, bool)
    default: throw ctx.fail("inputs must have the same type, got \(a.elementType) and \(b.elementType)")
    }
    guard let (r, s) = result else { throw ctx.fail("cannot broadcast \(a.shape) with \(b.shape)") }
    return [NDArray(shape: s, bools: r)]
}

private func unaryFloat(_ f: @escaping @Sendable (Float) -> Float) -> Kernel {
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

func registerElementwise(_ k: inout [String: Kernel]) {
    k["Add"] = { ctx in [try binary(ctx, ctx.input(0), ctx.input(1), float: +, int: { $0 &+ $1 })] }
    k["Sub"] = { ctx in [try binary(ctx, ctx.input(0), ctx.input(1), float: -, int: { $0 &- $1 })] }
    k["Mul"] = { ctx in
        let a = try ctx.input(0), b = try ctx.input(1), par = ctx.options.parallel
        if let y = perPlaneProduct(a, b, parallel: par) ?? perPlaneProduct(b, a, parallel: par) { return [y] }
        return [try binary(ctx, a, b, float: *, int: { $0 &* $1 })]
    }
    k["Div"] = { ctx in
        [try binary(ctx, ctx.input(0), ctx.input(1), float: /, int: { a, b in
            guard b != 0 else { throw ctx.fail("integer division by zero") }
            return a / b
        })]
    }
    k["Mod"] = { ctx in
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
    k["Pow"] = { ctx in
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
    func variadic(_ f: @escaping @Sendable (Float, Float) -> Float, _ g: @escaping @Sendable (Int64, Int64) -> Int64) -> Kernel {
        { ctx in
            var acc = try ctx.input(0)
            for i in 1..<ctx.inputCount { acc = try binary(ctx, acc, ctx.input(i), float: f, int: g) }
            return [acc]
        }
    }
    k["Max"] = variadic({ (a, b) in (a.isNaN || b.isNaN) ? Float.nan : Swift.max(a, b) }, { Swift.max($0, $1) })
    k["Min"] = variadic({ (a, b) in (a.isNaN || b.isNaN) ? Float.nan : Swift.min(a, b) }, { Swift.min($0, $1) })
    k["Sum"] = variadic({ $0 + $1 }, { $0 &+ $1 })
    k["Mean"] = { ctx in
        var acc = try ctx.input(0)
        for i in 1..<ctx.inputCount { acc = try binary(ctx, acc, ctx.input(i), float: +, int: nil) }
        let n = Float(ctx.inputCount)
        return [NDArray(shape: acc.shape, floats: mapFloats(acc.floats) { $0 / n })]
    }
    k["PRelu"] = { ctx in
        [try binary(ctx, ctx.input(0), ctx.input(1), float: { x, s in x < 0 ? x * s : x }, int: { x, s in x < 0 ? x &* s : x })]
    }

    k["Equal"] = { ctx in try compare(ctx, float: ==, int: ==, bool: ==) }
    k["Less"] = { ctx in try compare(ctx, float: <, int: <) }
    k["Greater"] = { ctx in try compare(ctx, float: >, int: >) }
    k["LessOrEqual"] = { ctx in try compare(ctx, float: <=, int: <=) }
    k["GreaterOrEqual"] = { ctx in try compare(ctx, float: >=, int: >=) }
    k["And"] = { ctx in try compare(ctx, float: { _, _ in false }, int: { _, _ in false }, bool: { $0 && $1 }) }
    k["Or"] = { ctx in try compare(ctx, float: { _, _ in false }, int: { _, _ in false }, bool: { $0 || $1 }) }
    k["Xor"] = { ctx in try compare(ctx, float: { _, _ in false }, int: { _, _ in false }, bool: { $0 != $1 }) }
    k["Not"] = { ctx in
        let x = try ctx.input(0)
        guard case .bool(let v) = x.storage else { throw ctx.fail("input must be bool") }
        return [NDArray(shape: x.shape, bools: v.map { !$0 })]
    }
    k["IsNaN"] = { ctx in
        let x = try ctx.input(0)
        return [NDArray(shape: x.shape, bools: try ctx.floats(0).map { $0.isNaN })]
    }

    k["Where"] = { ctx in
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

    k["Sqrt"] = unaryFloat(sqrtf)
    k["Exp"] = unaryFloat(expf)
    k["Log"] = unaryFloat(logf)
    k["Erf"] = unaryFloat(erff)
    k["Tanh"] = unaryFloat(tanhf)
    k["Sin"] = unaryFloat(sinf)
    k["Cos"] = unaryFloat(cosf)
    k["Floor"] = unaryFloat(floorf)
    k["Ceil"] = unaryFloat(ceilf)
    k["Round"] = unaryFloat { $0.rounded(.toNearestOrEven) }
    k["Reciprocal"] = unaryFloat { 1 / $0 }
    k["Sigmoid"] = { ctx in try activationKernel(ctx, .sigmoid) }
    k["Softplus"] = unaryFloat { $0 > 20 ? $0 : log1pf(expf($0)) }
    k["Softsign"] = unaryFloat { $0 / (1 + abs($0)) }
    k["Neg"] = unaryNumeric({ -$0 }, { 0 &- $0 })
    k["Abs"] = unaryNumeric({ abs($0) }, { $0 < 0 ? 0 &- $0 : $0 })
    k["Sign"] = unaryNumeric({ $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }, { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) })
    k["Relu"] = { ctx in
        let x = try ctx.input(0)
        switch x.storage {
        case .float: return try activationKernel(ctx, .relu)
        case .int64(let v): return [NDArray(shape: x.shape, int64s: v.map { $0 > 0 ? $0 : 0 })]
        case .bool: throw ctx.fail("bool input is not supported")
        }
    }
    k["LeakyRelu"] = { ctx in
        try activationKernel(ctx, .leakyRelu(alpha: ctx.float("alpha", 0.01)))
    }
    k["Elu"] = { ctx in
        let a = ctx.float("alpha", 1)
        return [NDArray(shape: try ctx.input(0).shape, floats: mapFloats(try ctx.floats(0)) { $0 >= 0 ? $0 : a * (expf($0) - 1) })]
    }
    k["Selu"] = { ctx in
        let a = ctx.float("alpha", 1.67326319217681884765625), g = ctx.float("gamma", 1.05070102214813232421875)
        return [NDArray(shape: try ctx.input(0).shape, floats: mapFloats(try ctx.floats(0)) { $0 > 0 ? g * $0 : g * a * (expf($0) - 1) })]
    }
    k["HardSigmoid"] = { ctx in
        try activationKernel(ctx, .hardSigmoid(alpha: ctx.float("alpha", 0.2), beta: ctx.float("beta", 0.5)))
    }
    k["HardSwish"] = { ctx in try activationKernel(ctx, .hardSwish) }
    k["Gelu"] = { ctx in
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
    k["Clip"] = { ctx in
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
