#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ONNXIO

// More elementwise math: trigonometric and hyperbolic functions, IsInf, Shrink,
// ThresholdedRelu, Celu, Mish; bitwise operators and BitShift (typed: unsigned widths wrap).

func registerMath(_ k: inout [String: Kernel]) {
    for op in ["ReduceMax", "ReduceMin"] {   // bool inputs: any / all, through int64
        guard let numeric = k[op] else { continue }
        k[op] = { ctx in
            guard let x = ctx.inputs.first ?? nil, x.elementType == .bool else { return try numeric(ctx) }
            var inputs = ctx.inputs
            inputs[0] = x.cast(to: .int64)
            let c = NodeContext(node: ctx.node, name: ctx.name, op: ctx.op, inputs: inputs, opset: ctx.opset, options: ctx.options)
            return try numeric(c).map { $0.cast(to: .bool) }
        }
    }
    k["Tan"] = unaryFloat(tanf)
    k["Asin"] = unaryFloat(asinf)
    k["Acos"] = unaryFloat(acosf)
    k["Atan"] = unaryFloat(atanf)
    k["Sinh"] = unaryFloat(sinhf)
    k["Cosh"] = unaryFloat(coshf)
    k["Asinh"] = unaryFloat(asinhf)
    k["Acosh"] = unaryFloat(acoshf)
    k["Atanh"] = unaryFloat(atanhf)
    k["Mish"] = unaryFloat { x in x * tanhf(x > 20 ? x : log1pf(expf(x))) }
    k["IsInf"] = { ctx in
        let x = try ctx.input(0)
        let neg = ctx.int("detect_negative", 1) != 0, pos = ctx.int("detect_positive", 1) != 0
        return [NDArray(shape: x.shape, bools: x.floats.map { $0.isInfinite && ($0 < 0 ? neg : pos) })]
    }
    k["Shrink"] = { ctx in
        let x = try ctx.input(0)
        let bias = ctx.float("bias", 0), lambd = ctx.float("lambd", 0.5)
        let out = NDArray(shape: x.shape, floats: x.floats.map { $0 < -lambd ? $0 + bias : ($0 > lambd ? $0 - bias : 0) })
        return [out.cast(to: x.elementType)]
    }
    k["ThresholdedRelu"] = { ctx in
        let a = ctx.float("alpha", 1)
        return [NDArray(shape: try ctx.input(0).shape, floats: try ctx.floats(0).map { $0 > a ? $0 : 0 })]
    }
    k["Celu"] = { ctx in
        let a = ctx.float("alpha", 1)
        return [NDArray(shape: try ctx.input(0).shape, floats: try ctx.floats(0).map { max(0, $0) + min(0, a * (expf($0 / a) - 1)) })]
    }
    k["Det"] = { ctx in
        let x = try ctx.input(0)
        guard x.rank >= 2, let n = x.shape.last, x.shape[x.rank - 2] == n else { throw ctx.fail("input must be [..., N, N], got \(x.shape)") }
        let v = x.floats.map(Double.init)
        let count = n == 0 ? 0 : x.count / (n * n)
        let dets = (0..<count).map { b in Float(determinant(Array(v[(b * n * n)..<((b + 1) * n * n)]), n)) }
        return [NDArray(shape: Array(x.shape.dropLast(2)), floats: dets)]
    }
}

/// Determinant by Gaussian elimination with partial pivoting.
private func determinant(_ m: [Double], _ n: Int) -> Double {
    var a = m
    var det = 1.0
    for c in 0..<n {
        var p = c
        for r in c..<n where abs(a[r * n + c]) > abs(a[p * n + c]) { p = r }
        if a[p * n + c] == 0 { return 0 }
        if p != c {
            for j in 0..<n { a.swapAt(p * n + j, c * n + j) }
            det = -det
        }
        det *= a[c * n + c]
        for r in (c + 1)..<n {
            let f = a[r * n + c] / a[c * n + c]
            for j in c..<n { a[r * n + j] -= f * a[c * n + j] }
        }
    }
    return det
}

/// A binary integer kernel whose result wraps to the declared output width.
private func bitwise(_ t: NodeTypes, _ f: @escaping @Sendable (UInt64, UInt64) -> UInt64) -> Kernel {
    let w = t.output(0)?.narrowIntegerBits
    return { ctx in
        let a = try ctx.input(0), b = try ctx.input(1)
        guard a.elementType == .int64, b.elementType == .int64 else { throw ctx.fail("inputs must be integers") }
        guard let (r, s) = broadcastMap(a.int64s, a.shape, b.int64s, b.shape, { (x: Int64, y: Int64) -> Int64 in
            let v = Int64(bitPattern: f(UInt64(bitPattern: x), UInt64(bitPattern: y)))
            return w.map { wrapInteger(v, bits: $0.bits, signed: $0.signed) } ?? v
        }) else { throw ctx.fail("cannot broadcast \(a.shape) with \(b.shape)") }
        return [NDArray(shape: s, int64s: r)]
    }
}

func registerTypedMath(_ k: inout [String: @Sendable (NodeTypes) -> Kernel]) {
    k["BitwiseAnd"] = { t in bitwise(t, &) }
    k["BitwiseOr"] = { t in bitwise(t, |) }
    k["BitwiseXor"] = { t in bitwise(t, ^) }
    k["BitwiseNot"] = { t in
        let w = t.output(0)?.narrowIntegerBits
        return { ctx in
            let x = try ctx.input(0)
            return [NDArray(shape: x.shape, int64s: x.int64s.map { v in w.map { wrapInteger(~v, bits: $0.bits, signed: $0.signed) } ?? ~v })]
        }
    }
    k["BitShift"] = { t in
        let bits = UInt64(t.output(0)?.narrowIntegerBits?.bits ?? 64)
        return { ctx in
            let left = ctx.string("direction", "") == "LEFT"
            return try bitwise(t) { x, y in
                y >= bits ? 0 : (left ? x << y : x >> y)
            }(ctx)
        }
    }
    k["CastLike"] = { t in
        { ctx in
            guard let to = t.input(1) else { return [try ctx.input(0).cast(to: ctx.input(1).elementType)] }
            return [try castArray(ctx.input(0), to: to, ctx)]
        }
    }
}
