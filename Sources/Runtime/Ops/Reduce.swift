#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// ReduceMean/Sum/Max/Min/Prod/SumSquare/L1/L2/LogSumExp, ArgMax/ArgMin.

/// Moves `axes` to the end; returns the data as [outer, inner] rows and the kept shape.
private func gatherReduced<T>(_ data: [T], _ shape: [Int], _ axes: [Int]) -> (rows: [T], outer: Int, inner: Int) {
    let keep = (0..<shape.count).filter { !axes.contains($0) }
    let perm = keep + axes.sorted()
    let inner = axes.reduce(1) { $0 * shape[$1] }
    let outer = keep.reduce(1) { $0 * shape[$1] }
    if perm == Array(0..<shape.count) { return (data, outer, inner) }
    return (transposed(data, shape, perm).0, outer, inner)
}

private func reduceAxes(_ ctx: NodeContext, rank: Int) throws -> [Int]? {
    var axes: [Int]
    if let a = ctx.optionalInput(1) {
        axes = a.int64s.map { Int($0) }
    } else {
        axes = ctx.ints("axes") ?? []
    }
    if axes.isEmpty {
        if ctx.int("noop_with_empty_axes", 0) != 0 { return nil }
        return Array(0..<rank)
    }
    axes = try axes.map { try ctx.axis($0, rank: rank) }
    return Array(Set(axes)).sorted()
}

private func reduceKernel(_ f: @escaping @Sendable (UnsafeBufferPointer<Float>) -> Float,
                          int: (@Sendable ([Int64]) -> Int64)? = nil) -> Kernel {
    { ctx in
        let x = try ctx.input(0)
        guard let axes = try reduceAxes(ctx, rank: x.rank) else { return [x] }
        let keepdims = ctx.int("keepdims", 1) != 0
        var outShape: [Int] = []
        for (i, d) in x.shape.enumerated() {
            if axes.contains(i) { if keepdims { outShape.append(1) } } else { outShape.append(d) }
        }
        switch x.storage {
        case .float(let v):
            let (rows, outer, inner) = gatherReduced(v, x.shape, axes)
            var out = [Float](repeating: 0, count: outer)
            rows.withUnsafeBufferPointer { p in
                for r in 0..<outer { out[r] = f(UnsafeBufferPointer(rebasing: p[(r * inner)..<((r + 1) * inner)])) }
            }
            return [NDArray(shape: outShape, floats: out)]
        case .int64(let v):
            guard let int else { throw ctx.fail("int64 input is not supported") }
            let (rows, outer, inner) = gatherReduced(v, x.shape, axes)
            let out = (0..<outer).map { r in int(Array(rows[(r * inner)..<((r + 1) * inner)])) }
            return [NDArray(shape: outShape, int64s: out)]
        case .bool: throw ctx.fail("bool input is not supported")
        }
    }
}

private func argKernel(max isMax: Bool) -> Kernel {
    { ctx in
        let x = try ctx.input(0)
        let axis = try ctx.axis(ctx.int("axis", 0), rank: x.rank)
        let keepdims = ctx.int("keepdims", 1) != 0
        let last = ctx.int("select_last_index", 0) != 0
        let v = x.floats
        let (rows, outer, inner) = gatherReduced(v, x.shape, [axis])
        var out = [Int64](repeating: 0, count: outer)
        for r in 0..<outer {
            var best = 0
            for j in 1..<max(inner, 1) {
                let a = rows[r * inner + j], b = rows[r * inner + best]
                if isMax ? (a > b || (last && a == b)) : (a < b || (last && a == b)) { best = j }
            }
            out[r] = Int64(best)
        }
        var shape = x.shape
        if keepdims { shape[axis] = 1 } else { shape.remove(at: axis) }
        return [NDArray(shape: shape, int64s: out)]
    }
}

func registerReduce(_ k: inout [String: Kernel]) {
    k["ReduceSum"] = reduceKernel({ p in var s: Float = 0; for v in p { s += v }; return s }, int: { $0.reduce(0, &+) })
    k["ReduceMean"] = reduceKernel({ p in var s: Float = 0; for v in p { s += v }; return s / Float(p.count) },
                                   int: { $0.isEmpty ? 0 : $0.reduce(0, &+) / Int64($0.count) })
    k["ReduceMax"] = reduceKernel({ p in var m = -Float.infinity; for v in p { if v > m || v.isNaN { m = v } }; return m },
                                  int: { $0.max() ?? Int64.min })
    k["ReduceMin"] = reduceKernel({ p in var m = Float.infinity; for v in p { if v < m || v.isNaN { m = v } }; return m },
                                  int: { $0.min() ?? Int64.max })
    k["ReduceProd"] = reduceKernel({ p in var s: Float = 1; for v in p { s *= v }; return s }, int: { $0.reduce(1, &*) })
    k["ReduceSumSquare"] = reduceKernel { p in var s: Float = 0; for v in p { s += v * v }; return s }
    k["ReduceL1"] = reduceKernel { p in var s: Float = 0; for v in p { s += abs(v) }; return s }
    k["ReduceL2"] = reduceKernel { p in var s: Float = 0; for v in p { s += v * v }; return sqrtf(s) }
    k["ReduceLogSumExp"] = reduceKernel { p in
        var m = -Float.infinity
        for v in p { m = max(m, v) }
        var s: Float = 0
        for v in p { s += expf(v - m) }
        return m + logf(s)
    }
    k["ReduceLogSum"] = reduceKernel { p in var s: Float = 0; for v in p { s += v }; return logf(s) }
    k["ArgMax"] = argKernel(max: true)
    k["ArgMin"] = argKernel(max: false)
}
