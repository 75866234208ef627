// Operators that order or scan along an axis: TopK, CumSum, Hardmax, ReverseSequence, Unique.

/// An array viewed as [outer, length, inner] around `axis`.
struct AxisView {
    let outer: Int, length: Int, inner: Int
    init(_ shape: [Int], _ axis: Int) {
        outer = shape[..<axis].reduce(1, *)
        length = shape[axis]
        inner = shape[(axis + 1)...].reduce(1, *)
    }
    @inline(__always) func at(_ o: Int, _ j: Int, _ i: Int) -> Int { (o * length + j) * inner + i }
}

private func topK(_ ctx: NodeContext) throws -> [NDArray] {
    let x = try ctx.input(0)
    let axis = try ctx.axis(ctx.int("axis", -1), rank: x.rank)
    let kk = Int(try ctx.input(1).int64s.first ?? 0)
    let v = AxisView(x.shape, axis)
    guard kk >= 0 && kk <= v.length else { throw ctx.fail("k = \(kk) is outside 0...\(v.length)") }
    let largest = ctx.int("largest", 1) != 0
    let f = x.floats
    var idx: [Int] = [], pos: [Int64] = []
    var shape = x.shape
    shape[axis] = kk
    let outV = AxisView(shape, axis)
    idx = [Int](repeating: 0, count: shape.reduce(1, *))
    pos = [Int64](repeating: 0, count: idx.count)
    for o in 0..<v.outer {
        for i in 0..<v.inner {
            let order = (0..<v.length).sorted { a, b in
                let p = f[v.at(o, a, i)], q = f[v.at(o, b, i)]
                if p == q { return a < b }
                return largest ? p > q : p < q
            }
            for j in 0..<kk {
                idx[outV.at(o, j, i)] = v.at(o, order[j], i)
                pos[outV.at(o, j, i)] = Int64(order[j])
            }
        }
    }
    return [x.gathered(idx, shape: shape), NDArray(shape: shape, int64s: pos)]
}

func registerOrdering(_ k: inout [String: Kernel]) {
    k["TopK"] = { ctx in try topK(ctx) }
    k["CumSum"] = { ctx in
        let x = try ctx.input(0)
        let axis = try ctx.axis(Int(try ctx.input(1).int64s.first ?? 0), rank: x.rank)
        let exclusive = ctx.int("exclusive", 0) != 0, reverse = ctx.int("reverse", 0) != 0
        let v = AxisView(x.shape, axis)
        func scan<T: AdditiveArithmetic>(_ a: [T]) -> [T] {
            var out = a
            for o in 0..<v.outer {
                for i in 0..<v.inner {
                    var s = T.zero
                    for step in 0..<v.length {
                        let j = reverse ? v.length - 1 - step : step
                        let p = v.at(o, j, i)
                        if exclusive { out[p] = s; s += a[p] } else { s += a[p]; out[p] = s }
                    }
                }
            }
            return out
        }
        switch x.storage {
        case .float(let a): return [NDArray(shape: x.shape, floats: scan(a))]
        case .int64(let a): return [NDArray(shape: x.shape, int64s: scan(a))]
        case .bool: throw ctx.fail("bool input is not supported")
        }
    }
    k["Hardmax"] = { ctx in
        let x = try ctx.input(0)
        let axis = try ctx.axis(ctx.int("axis", -1), rank: x.rank)
        let f = x.floats
        let v = ctx.opset < 13 ? AxisView([x.shape[..<axis].reduce(1, *), x.shape[axis...].reduce(1, *)], 1) : AxisView(x.shape, axis)
        var out = [Float](repeating: 0, count: f.count)
        for o in 0..<v.outer {
            for i in 0..<v.inner where v.length > 0 {
                var best = 0
                for j in 1..<v.length where f[v.at(o, j, i)] > f[v.at(o, best, i)] { best = j }
                out[v.at(o, best, i)] = 1
            }
        }
        return [NDArray(shape: x.shape, floats: out)]
    }
    k["ReverseSequence"] = { ctx in
        let x = try ctx.input(0)
        let lens = try ctx.input(1).int64s.map { Int($0) }
        let batchAxis = ctx.int("batch_axis", 1), timeAxis = ctx.int("time_axis", 0)
        let strides = contiguousStrides(x.shape)
        var idx = Array(0..<x.count)
        for p in 0..<x.count {
            let b = (p / strides[batchAxis]) % x.shape[batchAxis]
            let t = (p / strides[timeAxis]) % x.shape[timeAxis]
            guard b < lens.count else { throw ctx.fail("sequence_lens has \(lens.count) entries for batch \(x.shape[batchAxis])") }
            if t < lens[b] { idx[p] = p + (lens[b] - 1 - 2 * t) * strides[timeAxis] }
        }
        return [x.gathered(idx, shape: x.shape)]
    }
    k["Unique"] = { ctx in try unique(ctx) }
}

/// Unique: the distinct elements (or slices along `axis`), sorted or in order of first
/// occurrence, with first indices, inverse indices and counts.
private func unique(_ ctx: NodeContext) throws -> [NDArray] {
    let x = try ctx.input(0)
    let sorted = ctx.int("sorted", 1) != 0
    let view: AxisView
    let axis: Int?
    if ctx.has("axis") {
        let a = try ctx.axis(ctx.int("axis", 0), rank: x.rank)
        axis = a
        view = AxisView(x.shape, a)
    } else {
        axis = nil
        view = AxisView([x.count], 0)
    }
    let f = x.floats
    func slice(_ j: Int) -> [Float] {
        var s: [Float] = []
        for o in 0..<view.outer { for i in 0..<view.inner { s.append(f[view.at(o, j, i)]) } }
        return s
    }
    var keys: [[Float]] = [], first: [Int] = [], counts: [Int] = [], inverse: [Int] = []
    for j in 0..<view.length {
        let s = slice(j)
        if let u = keys.firstIndex(of: s) { counts[u] += 1; inverse.append(u); continue }
        keys.append(s); first.append(j); counts.append(1); inverse.append(keys.count - 1)
    }
    var order = Array(keys.indices)
    if sorted { order.sort { keys[$0].lexicographicallyPrecedes(keys[$1]) } }
    var rank = [Int](repeating: 0, count: order.count)
    for (r, u) in order.enumerated() { rank[u] = r }
    var idx: [Int] = []
    var shape = axis == nil ? [order.count] : x.shape
    if let axis {
        shape[axis] = order.count
        let ov = AxisView(shape, axis)
        idx = [Int](repeating: 0, count: shape.reduce(1, *))
        for o in 0..<ov.outer { for (r, u) in order.enumerated() { for i in 0..<ov.inner { idx[ov.at(o, r, i)] = view.at(o, first[u], i) } } }
    } else {
        idx = order.map { first[$0] }
    }
    let n = order.count
    return [x.gathered(idx, shape: shape), NDArray(shape: [n], int64s: order.map { Int64(first[$0]) }),
            NDArray(shape: [inverse.count], int64s: inverse.map { Int64(rank[$0]) }),
            NDArray(shape: [n], int64s: order.map { Int64(counts[$0]) })]
}

/// TfIdfVectorizer over integer tokens: n-gram counts (with skips) weighted as TF, IDF or TFIDF.
private func tfIdfVectorizer(_ ctx: NodeContext) throws -> [NDArray] {
    let x = try ctx.input(0)
    guard x.elementType == .int64, x.rank == 1 || x.rank == 2 else { throw ctx.fail("input must be 1-D or 2-D integers, got \(x.shape)") }
    let minN = ctx.int("min_gram_length", 1), maxN = ctx.int("max_gram_length", 1), maxSkip = ctx.int("max_skip_count", 0)
    let starts = ctx.ints("ngram_counts") ?? [], indexes = ctx.ints("ngram_indexes") ?? []
    let pool = ctx.node.attribute("pool_int64s")?.ints ?? []
    let weights = ctx.node.attribute("weights")?.floats
    let mode = ctx.string("mode", "TF")
    var table: [[Int64]: Int] = [:]   // n-gram → output index
    var gram = 0
    for (i, s) in starts.enumerated() {
        let n = i + 1, end = i + 1 < starts.count ? starts[i + 1] : pool.count
        var p = s
        while p + n <= end {
            if gram < indexes.count { table[Array(pool[p..<(p + n)])] = indexes[gram] }
            gram += 1
            p += n
        }
    }
    let width = (indexes.max() ?? -1) + 1
    let rows = x.rank == 1 ? 1 : x.shape[0], len = x.shape.last ?? 0
    let v = x.int64s
    var out = [Float](repeating: 0, count: rows * width)
    for r in 0..<rows {
        let seq = Array(v[(r * len)..<((r + 1) * len)])
        for n in max(minN, 1)...max(maxN, 1) {
            for skip in 0...(n == 1 ? 0 : maxSkip) {
                let span = (n - 1) * (skip + 1)
                for s in 0..<max(0, len - span) {
                    let g = (0..<n).map { seq[s + $0 * (skip + 1)] }
                    if let o = table[g] { out[r * width + o] += 1 }
                }
            }
        }
    }
    for (p, c) in out.enumerated() where c > 0 {
        let w = weights?[p % max(width, 1)] ?? 1
        out[p] = mode == "IDF" ? w : (mode == "TFIDF" ? c * w : c)
    }
    return [NDArray(shape: x.rank == 1 ? [width] : [rows, width], floats: out)]
}

func registerTfIdf(_ k: inout [String: Kernel]) {
    k["TfIdfVectorizer"] = { ctx in try tfIdfVectorizer(ctx) }
}
