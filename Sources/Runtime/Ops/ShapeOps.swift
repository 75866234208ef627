import ONNXIO

// Shape and data-movement operators, constants and casts.

/// A type-independent transformation of an array's elements.
protocol ArrayTransform {
    func run<T>(_ v: [T]) -> [T]
}

extension NDArray {
    func applying<F: ArrayTransform>(_ f: F, shape: [Int]) -> NDArray {
        switch storage {
        case .float(let v): return NDArray(shape: shape, floats: f.run(v))
        case .int64(let v): return NDArray(shape: shape, int64s: f.run(v))
        case .bool(let v): return NDArray(shape: shape, bools: f.run(v))
        }
    }

    /// The elements read through `strides` from `base` into a contiguous array of `shape`.
    func strided(shape: [Int], strides: [Int], base: Int = 0) -> NDArray {
        struct S: ArrayTransform {
            let shape: [Int], strides: [Int], base: Int
            func run<T>(_ v: [T]) -> [T] { stridedCopy(v, shape: shape, strides: strides, base: base) }
        }
        return applying(S(shape: shape, strides: strides, base: base), shape: shape)
    }
}

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
    case .float: return NDArray(shape: outShape, floats: join(arrays.map { $0.floats }))
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

/// The value of an ONNX Constant node.
func constantValue(_ ctx: NodeContext) throws -> NDArray {
    if let t = ctx.node.attribute("value")?.t { return try NDArray(tensor: t) }
    if let a = ctx.node.attribute("value_float"), let f = a.f { return NDArray(scalar: f) }
    if let a = ctx.node.attribute("value_floats") { return NDArray(shape: [a.floats.count], floats: a.floats) }
    if let a = ctx.node.attribute("value_int"), let i = a.i { return NDArray(scalar: i) }
    if let a = ctx.node.attribute("value_ints") { return NDArray(shape: [a.ints.count], int64s: a.ints) }
    throw ctx.fail("only value, value_float(s) and value_int(s) are supported")
}

/// ONNX Cast to dtype `to`.
func castArray(_ x: NDArray, to dtype: DataType, _ ctx: NodeContext) throws -> NDArray {
    let t: NDArray.ElementType
    do { t = try NDArray.ElementType(onnx: dtype) } catch { throw ctx.fail("cannot cast to \(dtype)") }
    var r = x.cast(to: t)
    if case .float(let v) = r.storage {
        if dtype == .float16 { r.storage = .float(v.map(roundToHalf)) }
        if dtype == .bfloat16 { r.storage = .float(v.map(roundToBFloat16)) }
        if let f = MiniFloat(dtype) {
            let sat = ctx.int("saturate", 1) != 0
            r.storage = .float(v.map { f.round($0, saturate: sat) })
        }
    }
    if case .int64(let v) = r.storage {
        switch dtype.rawValue {
        case 2: r.storage = .int64(v.map { Int64(UInt8(truncatingIfNeeded: $0)) })
        case 3: r.storage = .int64(v.map { Int64(Int8(truncatingIfNeeded: $0)) })
        case 4: r.storage = .int64(v.map { Int64(UInt16(truncatingIfNeeded: $0)) })
        case 5: r.storage = .int64(v.map { Int64(Int16(truncatingIfNeeded: $0)) })
        case 6: r.storage = .int64(v.map { Int64(Int32(truncatingIfNeeded: $0)) })
        case 12: r.storage = .int64(v.map { Int64(UInt32(truncatingIfNeeded: $0)) })
        case 21, 22:
            let lo: Int64 = dtype.rawValue == 21 ? 0 : -8
            let src = x.elementType == .float32 ? x.floats.map { Int64($0.isNaN ? 0 : max(-64, min(64, $0.rounded(.toNearestOrEven)))) } : v
            r.storage = .int64(src.map { min(max($0, lo), lo + 15) })
        default: break
        }
    }
    return r
}

func registerShapeOps(_ k: inout [String: Kernel]) {
    k["Identity"] = { ctx in [try ctx.input(0)] }
    k["Dropout"] = { ctx in
        let x = try ctx.input(0)
        return [x, NDArray(shape: x.shape, bools: [Bool](repeating: true, count: x.count))]
    }
    k["Constant"] = { ctx in [try constantValue(ctx)] }
    k["Shape"] = { ctx in
        let x = try ctx.input(0)
        let r = x.rank
        func clamp(_ v: Int) -> Int { min(max(v < 0 ? v + r : v, 0), r) }
        let s = clamp(ctx.int("start", 0)), e = clamp(ctx.int("end", r))
        let dims = s < e ? x.shape[s..<e].map { Int64($0) } : []
        return [NDArray(shape: [dims.count], int64s: dims)]
    }
    k["Size"] = { ctx in [NDArray(scalar: Int64(try ctx.input(0).count))] }
    k["Cast"] = { ctx in
        guard let to = ctx.node.attribute("to")?.i else { throw ctx.fail("attribute 'to' is required") }
        return [try castArray(ctx.input(0), to: DataType(rawValue: Int32(to)), ctx)]
    }
    k["CastLike"] = { ctx in [try ctx.input(0).cast(to: ctx.input(1).elementType)] }
    k["ConstantOfShape"] = { ctx in
        let shape = try ctx.input(0).int64s.map { Int($0) }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw ctx.fail("negative dimension in \(shape)") }
        let n = shape.reduce(1, *)
        guard let t = ctx.node.attribute("value")?.t else { return [NDArray(shape: shape, floats: [Float](repeating: 0, count: n))] }
        let v = try NDArray(tensor: t)
        guard v.count == 1 else { throw ctx.fail("value must hold one element") }
        switch v.storage {
        case .float(let a): return [NDArray(shape: shape, floats: [Float](repeating: a[0], count: n))]
        case .int64(let a): return [NDArray(shape: shape, int64s: [Int64](repeating: a[0], count: n))]
        case .bool(let a): return [NDArray(shape: shape, bools: [Bool](repeating: a[0], count: n))]
        }
    }
    k["Flatten"] = { ctx in
        let x = try ctx.input(0)
        var axis = ctx.int("axis", 1)
        if axis < 0 { axis += x.rank }
        guard axis >= 0 && axis <= x.rank else { throw ctx.fail("axis \(axis) out of range for rank \(x.rank)") }
        return [x.reshaped([x.shape[..<axis].reduce(1, *), x.shape[axis...].reduce(1, *)])]
    }
    k["Reshape"] = { ctx in
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
    k["Transpose"] = { ctx in
        let x = try ctx.input(0)
        let perm = ctx.ints("perm") ?? Array((0..<x.rank).reversed())
        guard perm.count == x.rank, Set(perm) == Set(0..<x.rank) else { throw ctx.fail("perm \(perm) is not a permutation of rank \(x.rank)") }
        let cs = contiguousStrides(x.shape)
        return [x.strided(shape: perm.map { x.shape[$0] }, strides: perm.map { cs[$0] })]
    }
    k["Squeeze"] = { ctx in
        let x = try ctx.input(0)
        var axes: [Int]
        if let a = ctx.optionalInput(1) { axes = a.int64s.map { Int($0) } } else if let a = ctx.ints("axes") { axes = a } else {
            axes = x.shape.indices.filter { x.shape[$0] == 1 }
        }
        axes = try axes.map { try ctx.axis($0, rank: x.rank) }
        for a in axes where x.shape[a] != 1 { throw ctx.fail("cannot squeeze axis \(a) of size \(x.shape[a])") }
        return [x.reshaped(x.shape.indices.filter { !axes.contains($0) }.map { x.shape[$0] })]
    }
    k["Unsqueeze"] = { ctx in
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
    k["Concat"] = { ctx in
        let arrays = try (0..<ctx.inputCount).map { try ctx.input($0) }
        guard let f = arrays.first else { throw ctx.fail("no inputs") }
        let axis = try ctx.axis(ctx.int("axis", 0), rank: f.rank)
        return [try concat(ctx, arrays, axis: axis)]
    }
    k["Split"] = { ctx in
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
    k["Slice"] = { ctx in
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
    k["Gather"] = { ctx in
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
    k["Expand"] = { ctx in
        let x = try ctx.input(0)
        let shape = try ctx.input(1).int64s.map { Int($0) }
        guard let out = broadcastShape(x.shape, shape) else { throw ctx.fail("cannot expand \(x.shape) to \(shape)") }
        let xs = [Int](repeating: 1, count: out.count - x.rank) + x.shape
        return [x.reshaped(xs).strided(shape: out, strides: broadcastStrides(xs, to: out))]
    }
    k["Tile"] = { ctx in
        let x = try ctx.input(0)
        let reps = try ctx.input(1).int64s.map { Int($0) }
        guard reps.count == x.rank else { throw ctx.fail("repeats has \(reps.count) values for rank \(x.rank)") }
        // View as [r0, d0, r1, d1, ...] with stride 0 on the repeat axes, then merge.
        let cs = contiguousStrides(x.shape)
        var shape: [Int] = [], strides: [Int] = []
        for d in 0..<x.rank { shape += [reps[d], x.shape[d]]; strides += [0, cs[d]] }
        return [x.strided(shape: shape, strides: strides).reshaped(zip(reps, x.shape).map { $0 * $1 })]
    }
    k["Range"] = { ctx in
        let s = try ctx.input(0), l = try ctx.input(1), d = try ctx.input(2)
        switch s.storage {
        case .int64(let sv):
            let a = sv[0], b = l.int64s[0], st = d.int64s[0]
            guard st != 0 else { throw ctx.fail("delta must not be 0") }
            let n = max(0, Int((Double(b - a) / Double(st)).rounded(.up)))
            return [NDArray(shape: [n], int64s: (0..<n).map { a + Int64($0) * st })]
        case .float(let sv):
            let a = sv[0], b = l.floats[0], st = d.floats[0]
            guard st != 0 else { throw ctx.fail("delta must not be 0") }
            let n = max(0, Int(((b - a) / st).rounded(.up)))
            return [NDArray(shape: [n], floats: (0..<n).map { a + Float($0) * st })]
        case .bool: throw ctx.fail("bool is not supported")
        }
    }
    k["Pad"] = { ctx in
        let x = try ctx.input(0)
        let r = x.rank
        let mode = ctx.string("mode", "constant")
        var padsRaw: [Int]
        var cval = NDArray(scalar: Float(0)).cast(to: x.elementType)
        if ctx.inputCount >= 2 || ctx.opset >= 11 {
            padsRaw = try ctx.input(1).int64s.map { Int($0) }
            if let c = ctx.optionalInput(2) { cval = c.cast(to: x.elementType) }
        } else {
            padsRaw = ctx.ints("pads") ?? []
            cval = NDArray(scalar: ctx.float("value", 0)).cast(to: x.elementType)
        }
        var pads = [Int](repeating: 0, count: 2 * r)
        if let a = ctx.optionalInput(3) {
            let axes = try a.int64s.map { try ctx.axis(Int($0), rank: r) }
            guard padsRaw.count == 2 * axes.count else { throw ctx.fail("pads has \(padsRaw.count) values for \(axes.count) axes") }
            for (i, ax) in axes.enumerated() { pads[ax] = padsRaw[i]; pads[ax + r] = padsRaw[i + axes.count] }
        } else {
            guard padsRaw.count == 2 * r else { throw ctx.fail("pads has \(padsRaw.count) values for rank \(r)") }
            pads = padsRaw
        }
        let outShape = (0..<r).map { x.shape[$0] + pads[$0] + pads[$0 + r] }
        guard outShape.allSatisfy({ $0 >= 0 }) else { throw ctx.fail("negative output shape \(outShape)") }
        guard ["constant", "reflect", "edge", "wrap"].contains(mode) else { throw ctx.fail("unknown mode '\(mode)'") }
        // Source index per output position and axis (-1: constant).
        var maps: [[Int]] = []
        for d in 0..<r {
            let n = x.shape[d]
            maps.append((0..<outShape[d]).map { o in
                let i = o - pads[d]
                if i >= 0 && i < n { return i }
                switch mode {
                case "edge": return n == 0 ? -1 : min(max(i, 0), n - 1)
                case "wrap": return n == 0 ? -1 : ((i % n) + n) % n
                case "reflect":
                    if n <= 1 { return n == 1 ? 0 : -1 }
                    let period = 2 * (n - 1)
                    var j = ((i % period) + period) % period
                    if j >= n { j = period - j }
                    return j
                default: return -1
                }
            })
        }
        let cs = contiguousStrides(x.shape)
        let total = outShape.reduce(1, *)
        var src = [Int](repeating: -1, count: total)
        var idx = [Int](repeating: 0, count: r)
        for o in 0..<total {
            var off = 0
            for d in 0..<r {
                let m = maps[d][idx[d]]
                if m < 0 { off = -1; break }
                off += m * cs[d]
            }
            src[o] = off
            var d = r - 1
            while d >= 0 { idx[d] += 1; if idx[d] < outShape[d] { break }; idx[d] = 0; d -= 1 }
        }
        func fill<T>(_ v: [T], _ c: T) -> [T] { src.map { $0 < 0 ? c : v[$0] } }
        switch x.storage {
        case .float(let v): return [NDArray(shape: outShape, floats: fill(v, cval.floats[0]))]
        case .int64(let v): return [NDArray(shape: outShape, int64s: fill(v, cval.int64s[0]))]
        case .bool(let v): return [NDArray(shape: outShape, bools: fill(v, cval.bools[0]))]
        }
    }
}
