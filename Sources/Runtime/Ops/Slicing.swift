import ONNXIO

// Operators that cut and join arrays: Concat, Split, Slice, Gather.

let slicingKernels: [String: Kernel] = [
    "Concat": concatKernel,
    "Split": splitKernel,
    "Slice": sliceKernel,
    "Gather": gatherKernel,
]

/// Concatenation along `axis` of arrays of one element type.
private func concat(_ ctx: NodeContext, _ arrays: [NDArray], axis: Int) throws -> NDArray {
    let first = arrays[0]
    var outShape = first.shape
    outShape[axis] = 0
    for a in arrays {
        guard a.rank == first.rank, a.elementType == first.elementType else {
            throw ctx.fail("inputs differ in rank or type: \(first.shape) \(first.elementType) vs \(a.shape) \(a.elementType)")
        }
        for d in 0..<a.rank where d != axis && a.shape[d] != first.shape[d] {
            throw ctx.fail("shapes \(first.shape) and \(a.shape) differ off axis \(axis)")
        }
        outShape[axis] += a.shape[axis]
    }
    let outer = first.shape[..<axis].reduce(1, *)
    let post = first.shape[(axis + 1)...].reduce(1, *)
    func join<T>(_ parts: [[T]]) -> [T] {
        var out: [T] = []
        out.reserveCapacity(outShape.reduce(1, *))
        for o in 0..<outer {
            for (p, a) in zip(parts, arrays) {
                let block = a.shape[axis] * post
                out.append(contentsOf: p[(o * block)..<((o + 1) * block)])
            }
        }
        return out
    }
    switch first.storage {
    case .float:
        // Float outputs (DenseNet's growing feature maps) come from the activation pool.
        let parts = arrays.map { $0.floats }
        let out = newFloats(ctx.pool, outShape.reduce(1, *)) { dst in
            var q = dst
            for o in 0..<outer {
                for (p, a) in zip(parts, arrays) {
                    let block = a.shape[axis] * post
                    if block == 0 { continue }
                    p.withUnsafeBufferPointer { q.update(from: $0.baseAddress! + o * block, count: block) }
                    q += block
                }
            }
        }
        return NDArray(shape: outShape, floats: out)
    case .int64: return NDArray(shape: outShape, int64s: join(arrays.map { $0.int64s }))
    case .bool: return NDArray(shape: outShape, bools: join(arrays.map { $0.bools }))
    }
}

/// Slices along each axis: start, step, count.
private func sliceArray(_ x: NDArray, _ spec: [(axis: Int, start: Int, step: Int, count: Int)]) -> NDArray {
    var shape = x.shape
    let cs = contiguousStrides(x.shape)
    var strides = cs
    var base = 0
    for s in spec {
        shape[s.axis] = s.count
        strides[s.axis] = cs[s.axis] * s.step
        if s.count > 0 { base += s.start * cs[s.axis] }
    }
    if shape.contains(0) { return x.applying(Empty(), shape: shape) }
    return x.strided(shape: shape, strides: strides, base: base)
}

private struct Empty: ArrayTransform { func run<T>(_ v: [T]) -> [T] { [] } }

private func concatKernel(_ ctx: NodeContext) throws -> [NDArray] {
    let arrays = try (0..<ctx.inputCount).map { try ctx.input($0) }
    guard let f = arrays.first else { throw ctx.fail("no inputs") }
    let axis = try ctx.axis(ctx.int("axis", 0), rank: f.rank)
    return [try concat(ctx, arrays, axis: axis)]
}

private func splitKernel(_ ctx: NodeContext) throws -> [NDArray] {
    let x = try ctx.input(0)
    let axis = try ctx.axis(ctx.int("axis", 0), rank: x.rank)
    let n = ctx.outputCount
    let dim = x.shape[axis]
    var sizes: [Int]
    if let s = ctx.optionalInput(1) { sizes = s.int64s.map { Int($0) } } else if let s = ctx.ints("split") { sizes = s } else {
        let parts = ctx.has("num_outputs") ? ctx.int("num_outputs", n) : n
        let chunk = (dim + parts - 1) / parts
        sizes = (0..<parts).map { min(chunk, max(0, dim - $0 * chunk)) }
    }
    guard sizes.reduce(0, +) == dim else { throw ctx.fail("split sizes \(sizes) do not add up to \(dim)") }
    var start = 0
    var outs: [NDArray] = []
    for s in sizes {
        outs.append(sliceArray(x, [(axis, start, 1, s)]))
        start += s
    }
    return outs
}

private func sliceKernel(_ ctx: NodeContext) throws -> [NDArray] {
    let x = try ctx.input(0)
    let starts: [Int], ends: [Int]
    var axes: [Int], steps: [Int]
    if ctx.inputCount == 1 {
        starts = ctx.ints("starts") ?? []; ends = ctx.ints("ends") ?? []
        axes = ctx.ints("axes") ?? Array(0..<starts.count); steps = [Int](repeating: 1, count: starts.count)
    } else {
        starts = try ctx.input(1).int64s.map { Int($0) }
        ends = try ctx.input(2).int64s.map { Int($0) }
        axes = ctx.optionalInput(3)?.int64s.map { Int($0) } ?? Array(0..<starts.count)
        steps = ctx.optionalInput(4)?.int64s.map { Int($0) } ?? [Int](repeating: 1, count: starts.count)
    }
    guard starts.count == ends.count, axes.count == starts.count, steps.count == starts.count else {
        throw ctx.fail("starts/ends/axes/steps differ in length")
    }
    axes = try axes.map { try ctx.axis($0, rank: x.rank) }
    var spec: [(axis: Int, start: Int, step: Int, count: Int)] = []
    for i in 0..<starts.count {
        let dim = x.shape[axes[i]], step = steps[i]
        guard step != 0 else { throw ctx.fail("step must not be 0") }
        var s = starts[i], e = ends[i]
        if s < 0 { s += dim }
        if e < 0 { e += dim }
        let count: Int
        if step > 0 {
            s = min(max(s, 0), dim); e = min(max(e, 0), dim)
            count = e > s ? (e - s + step - 1) / step : 0
        } else {
            s = min(max(s, 0), dim - 1); e = min(max(e, -1), dim - 1)
            count = s > e ? (s - e + (-step) - 1) / (-step) : 0
        }
        spec.append((axes[i], s, step, count))
    }
    return [sliceArray(x, spec)]
}

private func gatherKernel(_ ctx: NodeContext) throws -> [NDArray] {
    let x = try ctx.input(0), idx = try ctx.input(1)
    let axis = try ctx.axis(ctx.int("axis", 0), rank: x.rank)
    let dim = x.shape[axis]
    var ind = idx.int64s.map { Int($0) }
    for i in ind.indices {
        if ind[i] < 0 { ind[i] += dim }
        guard ind[i] >= 0 && ind[i] < dim else { throw ctx.fail("index \(idx.int64s[i]) out of range for axis of size \(dim)") }
    }
    let outer = x.shape[..<axis].reduce(1, *), post = x.shape[(axis + 1)...].reduce(1, *)
    let outShape = Array(x.shape[..<axis]) + idx.shape + Array(x.shape[(axis + 1)...])
    struct G: ArrayTransform {
        let ind: [Int], outer: Int, post: Int, dim: Int
        func run<T>(_ v: [T]) -> [T] {
            var out: [T] = []
            out.reserveCapacity(outer * ind.count * post)
            for o in 0..<outer {
                for i in ind {
                    let b = (o * dim + i) * post
                    out.append(contentsOf: v[b..<(b + post)])
                }
            }
            return out
        }
    }
    return [x.applying(G(ind: ind, outer: outer, post: post, dim: dim), shape: outShape)]
}
