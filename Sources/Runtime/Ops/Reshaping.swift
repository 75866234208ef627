import ONNXIO

// Operators that rearrange elements without changing them: Flatten, Reshape, Transpose,
// Squeeze, Unsqueeze, Expand, Tile.

let reshapingKernels: [String: Kernel] = [
    "Flatten": flattenKernel,
    "Reshape": reshapeKernel,
    "Transpose": transposeKernel,
    "Squeeze": squeezeKernel,
    "Unsqueeze": unsqueezeKernel,
    "Expand": expandKernel,
    "Tile": tileKernel,
]

private func flattenKernel(_ ctx: NodeContext) throws -> [NDArray] {
    let x = try ctx.input(0)
    var axis = ctx.int("axis", 1)
    if axis < 0 { axis += x.rank }
    guard axis >= 0 && axis <= x.rank else { throw ctx.fail("axis \(axis) out of range for rank \(x.rank)") }
    return [x.reshaped([x.shape[..<axis].reduce(1, *), x.shape[axis...].reduce(1, *)])]
}

private func reshapeKernel(_ ctx: NodeContext) throws -> [NDArray] {
    let x = try ctx.input(0)
    let spec: [Int]
    if let s = ctx.optionalInput(1) { spec = s.int64s.map { Int($0) } } else { spec = ctx.ints("shape") ?? [] }
    let allowZero = ctx.int("allowzero", 0) != 0
    var shape = spec
    var infer = -1
    for (i, d) in spec.enumerated() {
        if d == 0 && !allowZero {
            guard i < x.rank else { throw ctx.fail("0 at position \(i) but the input has rank \(x.rank)") }
            shape[i] = x.shape[i]
        } else if d == -1 {
            guard infer < 0 else { throw ctx.fail("more than one -1 in \(spec)") }
            infer = i
        } else if d < 0 {
            throw ctx.fail("invalid dimension \(d) in \(spec)")
        }
    }
    if infer >= 0 {
        let known = shape.enumerated().reduce(1) { $1.offset == infer ? $0 : $0 * $1.element }
        guard known > 0, x.count % known == 0 else { throw ctx.fail("cannot reshape \(x.shape) to \(spec)") }
        shape[infer] = x.count / known
    }
    guard shape.reduce(1, *) == x.count else { throw ctx.fail("cannot reshape \(x.shape) (\(x.count) elements) to \(spec)") }
    return [x.reshaped(shape)]
}

private func transposeKernel(_ ctx: NodeContext) throws -> [NDArray] {
    let x = try ctx.input(0)
    let perm = ctx.ints("perm") ?? Array((0..<x.rank).reversed())
    guard perm.count == x.rank, Set(perm) == Set(0..<x.rank) else { throw ctx.fail("perm \(perm) is not a permutation of rank \(x.rank)") }
    let cs = contiguousStrides(x.shape)
    return [x.strided(shape: perm.map { x.shape[$0] }, strides: perm.map { cs[$0] })]
}

private func squeezeKernel(_ ctx: NodeContext) throws -> [NDArray] {
    let x = try ctx.input(0)
    var axes: [Int]
    if let a = ctx.optionalInput(1) { axes = a.int64s.map { Int($0) } } else if let a = ctx.ints("axes") { axes = a } else {
        axes = x.shape.indices.filter { x.shape[$0] == 1 }
    }
    axes = try axes.map { try ctx.axis($0, rank: x.rank) }
    for a in axes where x.shape[a] != 1 { throw ctx.fail("cannot squeeze axis \(a) of size \(x.shape[a])") }
    return [x.reshaped(x.shape.indices.filter { !axes.contains($0) }.map { x.shape[$0] })]
}

private func unsqueezeKernel(_ ctx: NodeContext) throws -> [NDArray] {
    let x = try ctx.input(0)
    let raw: [Int]
    if let a = ctx.optionalInput(1) { raw = a.int64s.map { Int($0) } } else { raw = ctx.ints("axes") ?? [] }
    let r = x.rank + raw.count
    let axes = try raw.map { try ctx.axis($0, rank: r) }
    guard Set(axes).count == axes.count else { throw ctx.fail("repeated axes \(raw)") }
    var shape: [Int] = []
    var src = 0
    for i in 0..<r {
        if axes.contains(i) { shape.append(1) } else { shape.append(x.shape[src]); src += 1 }
    }
    return [x.reshaped(shape)]
}

private func expandKernel(_ ctx: NodeContext) throws -> [NDArray] {
    let x = try ctx.input(0)
    let shape = try ctx.input(1).int64s.map { Int($0) }
    guard let out = broadcastShape(x.shape, shape) else { throw ctx.fail("cannot expand \(x.shape) to \(shape)") }
    let xs = [Int](repeating: 1, count: out.count - x.rank) + x.shape
    return [x.reshaped(xs).strided(shape: out, strides: broadcastStrides(xs, to: out))]
}

private func tileKernel(_ ctx: NodeContext) throws -> [NDArray] {
    let x = try ctx.input(0)
    let reps = try ctx.input(1).int64s.map { Int($0) }
    guard reps.count == x.rank else { throw ctx.fail("repeats has \(reps.count) values for rank \(x.rank)") }
    // View as [r0, d0, r1, d1, ...] with stride 0 on the repeat axes, then merge.
    let cs = contiguousStrides(x.shape)
    var shape: [Int] = [], strides: [Int] = []
    for d in 0..<x.rank { shape += [reps[d], x.shape[d]]; strides += [0, cs[d]] }
    return [x.strided(shape: shape, strides: strides).reshaped(zip(reps, x.shape).map { $0 * $1 })]
}
