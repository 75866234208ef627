import ONNXIO

// Shape rules of the operators that move, select or create data: Reshape, Flatten,
// Transpose, (Un)Squeeze, Concat, Split, Slice, Gather, Shape, Size, Constant,
// ConstantOfShape, Expand, Range, Tile, Pad, reductions.
extension ShapeRules {
    static func registerTensorRules(_ t: inout [String: Rule]) {
        t["Reshape"] = reshape
        t["Flatten"] = { c in
            let x = try c.shape(0)
            let axis = c.node.attrInt("axis") ?? 1
            let a = axis < 0 ? axis + x.count : axis
            guard a >= 0, a <= x.count else { throw Failure(message: "axis \(axis) is out of range for rank \(x.count)") }
            try c.output(0, [x[..<a].reduce(1, *), x[a...].reduce(1, *)])
        }
        t["Transpose"] = { c in
            let x = try c.shape(0)
            let perm = c.node.attrInts("perm") ?? Array((0..<x.count).reversed())
            guard perm.sorted() == Array(0..<x.count) else { throw Failure(message: "perm \(perm) does not fit rank \(x.count)") }
            try c.output(0, perm.map { x[$0] })
        }
        t["Squeeze"] = squeeze
        t["Unsqueeze"] = unsqueeze
        t["Concat"] = concat
        t["Split"] = split
        t["Slice"] = slice
        t["Gather"] = gather
        t["Shape"] = { c in
            let x = try c.shape(0), r = x.count
            func clamp(_ v: Int) -> Int { min(max(v < 0 ? v + r : v, 0), r) }
            let s = clamp(c.node.attrInt("start") ?? 0), e = clamp(c.node.attrInt("end") ?? r)
            let dims = s < e ? Array(x[s..<e]) : []
            try c.output(0, [dims.count])
            c.setValue(0, dims.map { Int64($0) })
        }
        t["Size"] = { c in try c.output(0, []); c.setValue(0, [Int64(try c.shape(0).reduce(1, *))]) }
        t["Constant"] = constant
        t["ConstantOfShape"] = { c in
            let dims = try c.requiredValue(0, "shape").map { Int($0) }
            try c.output(0, dims)
            if let v = c.node.attribute("value")?.t, !v.dataType.isFloatingPoint, let x = try? v.int64Values(), x.count == 1 {
                c.setValue(0, [Int64](repeating: x[0], count: dims.reduce(1, *)))
            }
        }
        t["Expand"] = { c in
            let target = try c.requiredValue(1, "shape").map { Int($0) }
            guard let out = broadcastShape(try c.shape(0), target) else { throw Failure(message: "cannot expand \(try c.shape(0)) to \(target)") }
            try c.output(0, out)
        }
        t["Range"] = { c in
            let s = try c.requiredValue(0, "start"), l = try c.requiredValue(1, "limit"), d = try c.requiredValue(2, "delta")
            guard s.count == 1, l.count == 1, d.count == 1, d[0] != 0 else { throw Failure(message: "start, limit, delta must be scalars, delta ≠ 0") }
            let n = max(0, Int((Double(l[0] - s[0]) / Double(d[0])).rounded(.up)))
            try c.output(0, [n])
            c.setValue(0, (0..<n).map { s[0] + Int64($0) * d[0] })
        }
        t["Tile"] = { c in
            let x = try c.shape(0), r = try c.requiredValue(1, "repeats")
            guard r.count == x.count else { throw Failure(message: "repeats \(r) do not fit rank \(x.count)") }
            try c.output(0, zip(x, r).map { $0 * Int($1) })
        }
        t["Pad"] = pad
        for op in ["ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
                   "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare", "ArgMax", "ArgMin"] { t[op] = reduce }
    }

    static func reshape(_ c: inout RuleContext) throws {
        let x = try c.shape(0)
        var dims = try c.requiredValue(1, "shape").map { Int($0) }
        let allowZero = c.node.attrInt("allowzero") == 1
        for i in dims.indices where dims[i] == 0 && !allowZero {
            guard i < x.count else { throw Failure(message: "shape \(dims) copies dimension \(i) of rank-\(x.count) input") }
            dims[i] = x[i]
        }
        let total = x.reduce(1, *)
        if let j = dims.firstIndex(of: -1) {
            let rest = dims.enumerated().filter { $0.offset != j }.reduce(1) { $0 * $1.element }
            guard rest > 0, total % rest == 0 else { throw Failure(message: "cannot reshape \(x) to \(dims)") }
            dims[j] = total / rest
        }
        guard dims.reduce(1, *) == total else { throw Failure(message: "cannot reshape \(x) to \(dims)") }
        try c.output(0, dims)
        if let v = c.value(0) { c.setValue(0, v) }
    }

    /// Axes from the attribute (older opsets) or input 1, made non-negative for `rank`.
    static func axes(_ c: RuleContext, rank: Int) throws -> [Int]? {
        guard let a = c.node.attrInts("axes") ?? c.value(1).map({ $0.map { Int($0) } }) else {
            if c.hasInput(1) { throw Failure(message: "axes (input 1) are not constant") }
            return nil
        }
        return try a.map { try c.axis($0, rank: rank) }
    }

    static func squeeze(_ c: inout RuleContext) throws {
        let x = try c.shape(0)
        let ax = try axes(c, rank: x.count).map(Set.init) ?? Set(x.indices.filter { x[$0] == 1 })
        try c.output(0, x.indices.filter { !ax.contains($0) }.map { x[$0] })
        if let v = c.value(0) { c.setValue(0, v) }
    }

    static func unsqueeze(_ c: inout RuleContext) throws {
        let x = try c.shape(0)
        guard let raw = c.node.attrInts("axes") ?? c.value(1).map({ $0.map { Int($0) } }) else { throw Failure(message: "axes are not constant") }
        let r = x.count + raw.count
        let ax = Set(try raw.map { try c.axis($0, rank: r) })
        var out: [Int] = []
        var it = x.makeIterator()
        for i in 0..<r { out.append(ax.contains(i) ? 1 : it.next() ?? 1) }
        try c.output(0, out)
        if let v = c.value(0) { c.setValue(0, v) }
    }

    static func concat(_ c: inout RuleContext) throws {
        let first = try c.shape(0)
        let axis = try c.axis(c.node.attrInt("axis") ?? 0, rank: first.count)
        var out = first
        out[axis] = 0
        var values: [Int64]? = []
        for i in c.node.inputs.indices where c.hasInput(i) {
            let s = try c.shape(i)
            guard s.count == first.count else { throw Failure(message: "input ranks \(first.count) and \(s.count) differ") }
            out[axis] += s[axis]
            if let v = c.value(i), first.count == 1 { values?.append(contentsOf: v) } else { values = nil }
        }
        try c.output(0, out)
        if let values { c.setValue(0, values) }
    }

    static func split(_ c: inout RuleContext) throws {
        let x = try c.shape(0)
        let axis = try c.axis(c.node.attrInt("axis") ?? 0, rank: x.count)
        let k = c.node.outputs.count
        var sizes = c.node.attrInts("split") ?? c.value(1).map { $0.map { Int($0) } }
        if sizes == nil {
            let parts = c.node.attrInt("num_outputs") ?? k
            let chunk = (x[axis] + parts - 1) / max(parts, 1)
            sizes = (0..<k).map { min(chunk, max(0, x[axis] - $0 * chunk)) }
        }
        guard let sizes, sizes.count == k, sizes.reduce(0, +) == x[axis] else { throw Failure(message: "split sizes do not add up to \(x[axis])") }
        for (i, s) in sizes.enumerated() {
            var o = x
            o[axis] = s
            try c.output(i, o)
        }
    }
}
