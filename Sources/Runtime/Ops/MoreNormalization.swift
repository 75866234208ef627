#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// GroupNormalization, LpNormalization, LRN, MeanVarianceNormalization, and
// BatchNormalization in training mode (batch statistics and updated running values).

/// Mean and biased variance of `v` at `positions`.
private func moments(_ v: [Float], _ positions: [Int]) -> (Float, Float) {
    guard !positions.isEmpty else { return (0, 0) }
    var s: Double = 0
    for p in positions { s += Double(v[p]) }
    let mean = s / Double(positions.count)
    var q: Double = 0
    for p in positions { let d = Double(v[p]) - mean; q += d * d }
    return (Float(mean), Float(q / Double(positions.count)))
}

private func groupNormalization(_ ctx: NodeContext) throws -> [NDArray] {
    let x = try ctx.input(0), scale = try ctx.floats(1), bias = try ctx.floats(2)
    let groups = ctx.int("num_groups", 1), eps = ctx.float("epsilon", 1e-5)
    guard x.rank >= 2, groups > 0, x.shape[1] % groups == 0 else { throw ctx.fail("channels \(x.shape) not divisible into \(groups) groups") }
    let n = x.shape[0], c = x.shape[1], inner = x.count / max(n * c, 1), per = c / groups
    let perGroupParams = scale.count == groups && groups != c
    var v = x.floats
    for b in 0..<n {
        for g in 0..<groups {
            let start = (b * c + g * per) * inner
            let (m, var_) = moments(v, Array(start..<(start + per * inner)))
            let inv = 1 / sqrtf(var_ + eps)
            for ch in 0..<per {
                let pi = perGroupParams ? g : g * per + ch
                for i in 0..<inner {
                    let p = start + ch * inner + i
                    v[p] = (v[p] - m) * inv * scale[pi] + bias[pi]
                }
            }
        }
    }
    return [NDArray(shape: x.shape, floats: v)]
}

private func meanVarianceNormalization(_ ctx: NodeContext) throws -> [NDArray] {
    let x = try ctx.input(0)
    let axes = try (ctx.ints("axes") ?? [0, 2, 3]).map { try ctx.axis($0, rank: x.rank) }
    let strides = contiguousStrides(x.shape)
    var groups: [Int: [Int]] = [:]
    for p in 0..<x.count {
        var key = 0
        for d in 0..<x.rank where !axes.contains(d) { key += ((p / strides[d]) % x.shape[d]) * strides[d] }
        groups[key, default: []].append(p)
    }
    var v = x.floats
    for (_, ps) in groups {
        let (m, var_) = moments(v, ps)
        let sd = sqrtf(var_) + 1e-9
        for p in ps { v[p] = (v[p] - m) / sd }
    }
    return [NDArray(shape: x.shape, floats: v)]
}

func registerMoreNormalization(_ k: inout [String: Kernel]) {
    k["GroupNormalization"] = { ctx in try groupNormalization(ctx) }
    k["LpNormalization"] = { ctx in
        let x = try ctx.input(0)
        let view = AxisView(x.shape, try ctx.axis(ctx.int("axis", -1), rank: x.rank))
        let p = ctx.int("p", 2)
        var v = x.floats
        for o in 0..<view.outer {
            for i in 0..<view.inner {
                var s: Float = 0
                for j in 0..<view.length { let a = abs(v[view.at(o, j, i)]); s += p == 1 ? a : a * a }
                let norm = p == 1 ? s : sqrtf(s)
                if norm > 0 { for j in 0..<view.length { v[view.at(o, j, i)] /= norm } }
            }
        }
        return [NDArray(shape: x.shape, floats: v)]
    }
    k["LRN"] = { ctx in
        let x = try ctx.input(0)
        let size = ctx.int("size", 1), alpha = ctx.float("alpha", 1e-4), beta = ctx.float("beta", 0.75), bias = ctx.float("bias", 1)
        let view = AxisView(x.shape, 1)
        let v = x.floats
        var out = v
        for o in 0..<view.outer {
            for c in 0..<view.length {
                let lo = max(0, c - (size - 1) / 2), hi = min(view.length - 1, c + size / 2)
                for i in 0..<view.inner {
                    var s: Float = 0
                    for cc in lo...hi { let a = v[view.at(o, cc, i)]; s += a * a }
                    out[view.at(o, c, i)] = v[view.at(o, c, i)] / powf(bias + alpha / Float(size) * s, beta)
                }
            }
        }
        return [NDArray(shape: x.shape, floats: out)]
    }
    k["MeanVarianceNormalization"] = { ctx in try meanVarianceNormalization(ctx) }
    guard let inference = k["BatchNormalization"] else { return }
    k["BatchNormalization"] = { ctx in
        guard ctx.int("training_mode", 0) != 0 else { return try inference(ctx) }
        let x = try ctx.input(0), scale = try ctx.floats(1), bias = try ctx.floats(2)
        let rm = try ctx.floats(3), rv = try ctx.floats(4)
        let eps = ctx.float("epsilon", 1e-5), momentum = ctx.float("momentum", 0.9)
        let view = AxisView(x.shape, 1)
        var v = x.floats
        var means = [Float](), vars = [Float]()
        for c in 0..<view.length {
            var ps: [Int] = []
            for o in 0..<view.outer { for i in 0..<view.inner { ps.append(view.at(o, c, i)) } }
            let (m, var_) = moments(v, ps)
            means.append(m); vars.append(var_)
            let inv = 1 / sqrtf(var_ + eps)
            for p in ps { v[p] = (v[p] - m) * inv * scale[c] + bias[c] }
        }
        let c = view.length
        return [NDArray(shape: x.shape, floats: v),
                NDArray(shape: [c], floats: (0..<c).map { rm[$0] * momentum + means[$0] * (1 - momentum) }),
                NDArray(shape: [c], floats: (0..<c).map { rv[$0] * momentum + vars[$0] * (1 - momentum) })]
    }
}
