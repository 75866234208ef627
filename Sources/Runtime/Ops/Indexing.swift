// Index-driven data movement: GatherElements, GatherND, ScatterElements (Scatter), ScatterND,
// Compress. Each kernel computes flat source/target positions, then moves elements of any type.

extension NDArray {
    /// Elements at flat positions `idx`, as an array of `shape`.
    func gathered(_ idx: [Int], shape: [Int]) -> NDArray {
        switch storage {
        case .float(let v): return NDArray(shape: shape, floats: idx.map { v[$0] })
        case .int64(let v): return NDArray(shape: shape, int64s: idx.map { v[$0] })
        case .bool(let v): return NDArray(shape: shape, bools: idx.map { v[$0] })
        }
    }

    /// A copy with `u`'s elements (in order, `width` consecutive elements per target) combined
    /// into flat positions `targets[i] ..< targets[i] + width` by `reduction`.
    func scattered(_ targets: [Int], width: Int, from u: NDArray, reduction: String, _ ctx: NodeContext) throws -> NDArray {
        func apply<T>(_ base: [T], _ src: [T], _ f: (T, T) -> T) -> [T] {
            var out = base
            for (i, t) in targets.enumerated() {
                for j in 0..<width { out[t + j] = f(out[t + j], src[i * width + j]) }
            }
            return out
        }
        guard u.elementType == elementType else { throw ctx.fail("updates are \(u.elementType), data \(elementType)") }
        switch (storage, reduction) {
        case (.float(let v), _):
            let f: (Float, Float) -> Float
            switch reduction {
            case "add": f = { $0 + $1 }
            case "mul": f = { $0 * $1 }
            case "max": f = { Swift.max($0, $1) }
            case "min": f = { Swift.min($0, $1) }
            default: f = { $1 }
            }
            return NDArray(shape: shape, floats: apply(v, u.floats, f))
        case (.int64(let v), _):
            let f: (Int64, Int64) -> Int64
            switch reduction {
            case "add": f = { $0 &+ $1 }
            case "mul": f = { $0 &* $1 }
            case "max": f = { Swift.max($0, $1) }
            case "min": f = { Swift.min($0, $1) }
            default: f = { $1 }
            }
            return NDArray(shape: shape, int64s: apply(v, u.int64s, f))
        case (.bool(let v), _):
            let f: (Bool, Bool) -> Bool = reduction == "add" || reduction == "max" ? { $0 || $1 } : reduction == "none" ? { $1 } : { $0 && $1 }
            return NDArray(shape: shape, bools: apply(v, u.bools, f))
        }
    }
}

/// Flat positions in `data` for GatherElements/ScatterElements: `indices` replace the
/// coordinate along `axis`.
private func elementPositions(_ ctx: NodeContext, dataShape: [Int], indices: NDArray, axis: Int) throws -> [Int] {
    guard indices.rank == dataShape.count else { throw ctx.fail("indices rank \(indices.rank) differs from data rank \(dataShape.count)") }
    let ds = contiguousStrides(dataShape)
    let ishape = indices.shape
    let dim = dataShape[axis]
    var out = [Int](repeating: 0, count: indices.count)
    var coord = [Int](repeating: 0, count: ishape.count)
    for (flat, raw) in indices.int64s.enumerated() {
        var r = flat
        for d in stride(from: ishape.count - 1, through: 0, by: -1) {
            coord[d] = r % ishape[d]
            r /= ishape[d]
        }
        var i = Int(raw)
        if i < 0 { i += dim }
        guard i >= 0 && i < dim else { throw ctx.fail("index \(raw) out of range for axis \(axis) of size \(dim)") }
        var p = 0
        for d in 0..<ishape.count { p += (d == axis ? i : coord[d]) * ds[d] }
        out[flat] = p
    }
    return out
}

/// For GatherND/ScatterND: the flat start of each indexed slice and the slice width.
private func ndPositions(_ ctx: NodeContext, dataShape: [Int], indices: NDArray, batchDims b: Int) throws -> (starts: [Int], width: Int, outer: [Int]) {
    guard let k = indices.shape.last, indices.rank >= 1, b + k <= dataShape.count else {
        throw ctx.fail("indices \(indices.shape) do not fit data \(dataShape)")
    }
    let ds = contiguousStrides(dataShape)
    let width = dataShape[(b + k)...].reduce(1, *)
    let batch = dataShape[..<b].reduce(1, *)
    let tuples = indices.count / max(k, 1)
    let perBatch = batch == 0 ? 0 : tuples / batch
    let idx = indices.int64s
    var starts: [Int] = []
    starts.reserveCapacity(tuples)
    let batchStride = b == 0 ? 0 : ds[b - 1]
    for t in 0..<tuples {
        var p = perBatch == 0 ? 0 : (t / perBatch) * batchStride
        for j in 0..<k {
            var i = Int(idx[t * k + j])
            let dim = dataShape[b + j]
            if i < 0 { i += dim }
            guard i >= 0 && i < dim else { throw ctx.fail("index \(idx[t * k + j]) out of range for axis \(b + j) of size \(dim)") }
            p += i * ds[b + j]
        }
        starts.append(p)
    }
    return (starts, width, Array(indices.shape.dropLast()) + Array(dataShape[(b + k)...]))
}

func registerIndexing(_ k: inout [String: Kernel]) {
    k["GatherElements"] = { ctx in
        let x = try ctx.input(0), ind = try ctx.input(1)
        let axis = try ctx.axis(ctx.int("axis", 0), rank: x.rank)
        return [x.gathered(try elementPositions(ctx, dataShape: x.shape, indices: ind, axis: axis), shape: ind.shape)]
    }
    let scatterElements: Kernel = { ctx in
        let x = try ctx.input(0), ind = try ctx.input(1), u = try ctx.input(2)
        let axis = try ctx.axis(ctx.int("axis", 0), rank: x.rank)
        let pos = try elementPositions(ctx, dataShape: x.shape, indices: ind, axis: axis)
        return [try x.scattered(pos, width: 1, from: u, reduction: ctx.string("reduction", "none"), ctx)]
    }
    k["ScatterElements"] = scatterElements
    k["Scatter"] = scatterElements
    k["GatherND"] = { ctx in
        let x = try ctx.input(0), ind = try ctx.input(1)
        let (starts, width, shape) = try ndPositions(ctx, dataShape: x.shape, indices: ind, batchDims: ctx.int("batch_dims", 0))
        return [x.gathered(starts.flatMap { s in (0..<width).map { s + $0 } }, shape: shape)]
    }
    k["ScatterND"] = { ctx in
        let x = try ctx.input(0), ind = try ctx.input(1), u = try ctx.input(2)
        let (starts, width, _) = try ndPositions(ctx, dataShape: x.shape, indices: ind, batchDims: 0)
        return [try x.scattered(starts, width: width, from: u, reduction: ctx.string("reduction", "none"), ctx)]
    }
    k["Compress"] = { ctx in
        let x = try ctx.input(0)
        let cond = try ctx.input(1).bools
        guard ctx.has("axis") else {
            let idx = (0..<min(cond.count, x.count)).filter { cond[$0] }
            return [x.gathered(idx, shape: [idx.count])]
        }
        let axis = try ctx.axis(ctx.int("axis", 0), rank: x.rank)
        let keep = (0..<min(cond.count, x.shape[axis])).filter { cond[$0] }
        let outer = x.shape[..<axis].reduce(1, *), inner = x.shape[(axis + 1)...].reduce(1, *)
        var idx: [Int] = []
        for o in 0..<outer { for a in keep { for i in 0..<inner { idx.append((o * x.shape[axis] + a) * inner + i) } } }
        var shape = x.shape
        shape[axis] = keep.count
        return [x.gathered(idx, shape: shape)]
    }
}
