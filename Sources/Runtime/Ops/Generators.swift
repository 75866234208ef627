#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ONNXIO

// Arrays made from masks, positions and sizes: Trilu, EyeLike, OneHot, NonZero, the
// window functions, and the block rearrangements DepthToSpace/SpaceToDepth.

extension NDArray {
    /// Elements where `keep` is false replaced by zero (of the array's type).
    func masked(_ keep: (Int) -> Bool) -> NDArray {
        switch storage {
        case .float(let v): return NDArray(shape: shape, floats: v.indices.map { keep($0) ? v[$0] : 0 })
        case .int64(let v): return NDArray(shape: shape, int64s: v.indices.map { keep($0) ? v[$0] : 0 })
        case .bool(let v): return NDArray(shape: shape, bools: v.indices.map { keep($0) && v[$0] })
        }
    }

    /// The array reshaped to `shape`, transposed by `perm`, reshaped to `to`.
    func permuted(_ shape: [Int], _ perm: [Int], to: [Int]) -> NDArray {
        struct T: ArrayTransform {
            let shape: [Int], perm: [Int]
            func run<E>(_ v: [E]) -> [E] { transposed(v, shape, perm).0 }
        }
        return applying(T(shape: shape, perm: perm), shape: to)
    }
}

private func window(_ ctx: NodeContext, _ f: @escaping (Double, Double) -> Double) throws -> [NDArray] {
    let n = Int(try ctx.input(0).int64s.first ?? 0)
    let periodic = ctx.int("periodic", 1) != 0
    let denom = Double(periodic ? n : n - 1)
    let v = (0..<max(n, 0)).map { Float(f(Double($0), denom)) }
    let out = NDArray(shape: [v.count], floats: v)
    let dt = ctx.int("output_datatype", 1)
    return [dt == 1 || dt == 10 || dt == 11 || dt == 16 ? out : out.cast(to: .int64)]
}

private func oneHot(_ ctx: NodeContext) throws -> [NDArray] {
    let ind = try ctx.input(0), values = try ctx.input(2)
    let depth = Int(try ctx.input(1).floats.first ?? 0)
    guard values.count == 2, depth >= 0 else { throw ctx.fail("values must hold [off, on] and depth ≥ 0") }
    let r = ind.rank + 1
    let axis = try ctx.axis(ctx.int("axis", -1), rank: r)
    var shape = ind.shape
    shape.insert(depth, at: axis)
    let outer = ind.shape[..<axis].reduce(1, *), inner = ind.shape[axis...].reduce(1, *)
    let idx = ind.floats.map { Int($0) }
    var pos = [Int](repeating: 0, count: outer * depth * inner)
    for o in 0..<outer {
        for i in 0..<inner {
            var h = idx[o * inner + i]
            if h < 0 { h += depth }
            if h >= 0 && h < depth { pos[(o * depth + h) * inner + i] = 1 }
        }
    }
    return [values.gathered(pos, shape: shape)]
}

func registerGenerators(_ k: inout [String: Kernel]) {
    k["Trilu"] = { ctx in
        let x = try ctx.input(0)
        guard x.rank >= 2 else { throw ctx.fail("input must have rank ≥ 2, got \(x.shape)") }
        let kk = Int(ctx.optionalInput(1)?.int64s.first ?? 0)
        let upper = ctx.int("upper", 1) != 0
        let rows = x.shape[x.rank - 2], cols = x.shape[x.rank - 1]
        return [x.masked { p in
            let j = p % cols, i = (p / cols) % max(rows, 1)
            return upper ? j - i >= kk : j - i <= kk
        }]
    }
    k["EyeLike"] = { ctx in
        let x = try ctx.input(0)
        guard x.rank == 2 else { throw ctx.fail("input must be 2-D, got \(x.shape)") }
        let kk = ctx.int("k", 0), cols = x.shape[1]
        let v: [Float] = (0..<x.count).map { p in (p % cols) - (p / cols) == kk ? 1 : 0 }
        let out = NDArray(shape: x.shape, floats: v)
        if let dt = ctx.node.attribute("dtype")?.i { return [try castArray(out, to: DataType(rawValue: Int32(dt)), ctx)] }
        return [out.cast(to: x.elementType)]
    }
    k["OneHot"] = { ctx in try oneHot(ctx) }
    k["NonZero"] = { ctx in
        let x = try ctx.input(0)
        let nz = x.bools.indices.filter { x.bools[$0] }
        let strides = contiguousStrides(x.shape)
        var out = [Int64](repeating: 0, count: x.rank * nz.count)
        for (j, p) in nz.enumerated() {
            for d in 0..<x.rank { out[d * nz.count + j] = Int64((p / strides[d]) % x.shape[d]) }
        }
        return [NDArray(shape: [x.rank, nz.count], int64s: out)]
    }
    k["HannWindow"] = { ctx in try window(ctx) { n, d in 0.5 - 0.5 * cos(2 * .pi * n / d) } }
    k["HammingWindow"] = { ctx in try window(ctx) { n, d in 25.0 / 46 - (1 - 25.0 / 46) * cos(2 * .pi * n / d) } }
    k["BlackmanWindow"] = { ctx in
        try window(ctx) { n, d in 0.42 - 0.5 * cos(2 * .pi * n / d) + 0.08 * cos(4 * .pi * n / d) }
    }
    k["DepthToSpace"] = { ctx in
        let x = try ctx.input(0)
        let b = ctx.int("blocksize", 0)
        guard x.rank == 4, b > 0, x.shape[1] % (b * b) == 0 else { throw ctx.fail("needs a 4-D input with channels divisible by blocksize², got \(x.shape)") }
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let to = [n, c / (b * b), h * b, w * b]
        if ctx.string("mode", "DCR") == "CRD" {
            return [x.permuted([n, c / (b * b), b, b, h, w], [0, 1, 4, 2, 5, 3], to: to)]
        }
        return [x.permuted([n, b, b, c / (b * b), h, w], [0, 3, 4, 1, 5, 2], to: to)]
    }
    k["SpaceToDepth"] = { ctx in
        let x = try ctx.input(0)
        let b = ctx.int("blocksize", 0)
        guard x.rank == 4, b > 0, x.shape[2] % b == 0, x.shape[3] % b == 0 else { throw ctx.fail("needs a 4-D input with H and W divisible by blocksize, got \(x.shape)") }
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        return [x.permuted([n, c, h / b, b, w / b, b], [0, 3, 5, 1, 2, 4], to: [n, c * b * b, h / b, w / b])]
    }
}
