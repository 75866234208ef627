// GridSample over any number of spatial axes (nearest, (bi)linear and (bi)cubic
// interpolation; zeros, border and reflection padding; align_corners. Follows ONNX's
// reference: out-of-range coordinates are clamped (border) or reflected (reflection) first,
// then each tap outside the input reads zero, the nearest edge or its reflection). And
// DeformConv: 2-D convolution whose taps are sampled bilinearly at learned offsets.

private struct GridSpec {
    var mode: String
    var padding: String
    var alignCorners: Bool
}

/// `x` reflected into [lo, hi].
private func reflect(_ x: Double, _ lo: Double, _ hi: Double) -> Double {
    let range = hi - lo
    guard range > 0 else { return lo }
    if x < lo {
        let d = lo - x, n = Int(d / range), r = d - Double(n) * range
        return n % 2 == 0 ? lo + r : hi - r
    }
    if x > hi {
        let d = x - hi, n = Int(d / range), r = d - Double(n) * range
        return n % 2 == 0 ? hi - r : lo + r
    }
    return x
}

/// Input positions (nil: reads zero) and weights along one axis of length `len` for the
/// normalized coordinate `g`.
private func gridTaps(_ g: Double, len: Int, _ s: GridSpec) -> [(Int?, Double)] {
    let lo = s.alignCorners ? 0 : -0.5, hi = s.alignCorners ? Double(len - 1) : Double(len) - 0.5
    var x = s.alignCorners ? (g + 1) / 2 * Double(len - 1) : ((g + 1) * Double(len) - 1) / 2
    if s.mode == "nearest" { x = x.rounded(.toNearestOrEven) }
    if x < lo || x > hi {
        if s.padding == "border" { x = min(max(x, 0), Double(len - 1)) }
        if s.padding == "reflection" { x = reflect(x, lo, hi) }
    }
    func at(_ i: Int) -> Int? {
        if i >= 0 && i < len { return i }
        switch s.padding {
        case "border": return min(max(i, 0), len - 1)
        case "reflection": return min(max(Int(reflect(Double(i), lo, hi)), 0), len - 1)
        default: return nil
        }
    }
    switch s.mode {
    case "nearest":
        return [(at(Int(x)), 1)]
    case "cubic", "bicubic":
        let f = x.rounded(.down), t = x - f, a = -0.75
        let w = [((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a,
                 ((a + 2) * t - (a + 3)) * t * t + 1,
                 ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1,
                 ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a]
        return (0..<4).map { (at(Int(f) - 1 + $0), w[$0]) }
    default:
        let f = x.rounded(.down), t = x - f
        return [(at(Int(f)), 1 - t), (at(Int(f) + 1), t)]
    }
}

private func gridSample(_ ctx: NodeContext) throws -> [NDArray] {
    let x = try ctx.input(0), grid = try ctx.input(1)
    let k = x.rank - 2
    guard k >= 1, grid.rank == k + 2, grid.shape[0] == x.shape[0], grid.shape[k + 1] == k else {
        throw ctx.fail("grid \(grid.shape) does not fit input \(x.shape)")
    }
    let s = GridSpec(mode: ctx.string("mode", ctx.opset >= 20 ? "linear" : "bilinear"),
                     padding: ctx.string("padding_mode", "zeros"), alignCorners: ctx.int("align_corners", 0) != 0)
    let (n, c) = (x.shape[0], x.shape[1])
    let inSpatial = Array(x.shape[2...]), outSpatial = Array(grid.shape[1...k])
    let inStrides = contiguousStrides(inSpatial)
    let inPlane = inSpatial.reduce(1, *), outPlane = outSpatial.reduce(1, *)
    let v = x.floats, g = grid.floats
    var out = [Float](repeating: 0, count: n * c * outPlane)
    for b in 0..<n {
        for p in 0..<outPlane {
            // Grid holds (x, y, z…): the last input axis first.
            let taps = (0..<k).map { d in gridTaps(Double(g[(b * outPlane + p) * k + (k - 1 - d)]), len: inSpatial[d], s) }
            var combos: [(Int, Double)] = [(0, 1)]
            for d in 0..<k {
                combos = combos.flatMap { off, w in
                    taps[d].compactMap { i, tw in i.map { (off + $0 * inStrides[d], w * tw) } }
                }
            }
            for ch in 0..<c {
                let base = (b * c + ch) * inPlane
                var acc = 0.0
                for (off, w) in combos { acc += w * Double(v[base + off]) }
                out[(b * c + ch) * outPlane + p] = Float(acc)
            }
        }
    }
    return [NDArray(shape: [n, c] + outSpatial, floats: out)]
}

func registerGridSample(_ k: inout [String: Kernel]) {
    k["GridSample"] = { ctx in try gridSample(ctx) }
}

/// X at (y, x) by bilinear interpolation, corners outside the H×W plane reading zero.
private func bilinearZero(_ v: [Float], _ base: Int, _ h: Int, _ w: Int, _ y: Double, _ x: Double) -> Double {
    if y <= -1 || y >= Double(h) || x <= -1 || x >= Double(w) { return 0 }
    let y0 = Int(y.rounded(.down)), x0 = Int(x.rounded(.down))
    let ly = y - Double(y0), lx = x - Double(x0)
    func at(_ i: Int, _ j: Int) -> Double { i >= 0 && i < h && j >= 0 && j < w ? Double(v[base + i * w + j]) : 0 }
    return (1 - ly) * (1 - lx) * at(y0, x0) + (1 - ly) * lx * at(y0, x0 + 1) + ly * (1 - lx) * at(y0 + 1, x0) + ly * lx * at(y0 + 1, x0 + 1)
}

/// DeformConv (2-D): each kernel tap sampled at its learned offset, optionally masked.
private func deformConv(_ ctx: NodeContext) throws -> [NDArray] {
    let x = try ctx.input(0), wt = try ctx.input(1), off = try ctx.input(2)
    guard x.rank == 4, wt.rank == 4, off.rank == 4 else { throw ctx.fail("only 2-D DeformConv is supported") }
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (oc, cpg, kh, kw) = (wt.shape[0], wt.shape[1], wt.shape[2], wt.shape[3])
    let (oh, ow) = (off.shape[2], off.shape[3])
    let s = ctx.ints("strides") ?? [1, 1], d = ctx.ints("dilations") ?? [1, 1], p = ctx.ints("pads") ?? [0, 0, 0, 0]
    let group = ctx.int("group", 1), og = ctx.int("offset_group", 1)
    guard group > 0, og > 0, c == cpg * group, c % og == 0, off.shape[1] == og * 2 * kh * kw else {
        throw ctx.fail("channels, groups and offsets do not match: X \(x.shape), W \(wt.shape), offset \(off.shape)")
    }
    let xv = x.floats, wv = wt.floats, ov = off.floats
    let mask = ctx.optionalInput(4)?.floats, bias = ctx.optionalInput(3)?.floats
    let opg = oc / group, cpo = c / og
    var out = [Float](repeating: 0, count: n * oc * oh * ow)
    for b in 0..<n {
        for y in 0..<oh {
            for xx in 0..<ow {
                // Sampled input values per (channel, tap).
                var col = [Double](repeating: 0, count: c * kh * kw)
                for ch in 0..<c {
                    let g = ch / cpo
                    for i in 0..<kh {
                        for j in 0..<kw {
                            let t = i * kw + j
                            let oy = Double(ov[((b * off.shape[1] + (g * kh * kw + t) * 2) * oh + y) * ow + xx])
                            let ox = Double(ov[((b * off.shape[1] + (g * kh * kw + t) * 2 + 1) * oh + y) * ow + xx])
                            let m = mask.map { Double($0[((b * og * kh * kw + g * kh * kw + t) * oh + y) * ow + xx]) } ?? 1
                            let sy = Double(y * s[0] - p[0] + i * d[0]) + oy, sx = Double(xx * s[1] - p[1] + j * d[1]) + ox
                            col[ch * kh * kw + t] = m * bilinearZero(xv, (b * c + ch) * h * w, h, w, sy, sx)
                        }
                    }
                }
                for o in 0..<oc {
                    let g = o / opg
                    var acc = Double(bias?[o] ?? 0)
                    for ci in 0..<cpg {
                        for t in 0..<(kh * kw) { acc += Double(wv[(o * cpg + ci) * kh * kw + t]) * col[(g * cpg + ci) * kh * kw + t] }
                    }
                    out[((b * oc + o) * oh + y) * ow + xx] = Float(acc)
                }
            }
        }
    }
    return [NDArray(shape: [n, oc, oh, ow], floats: out)]
}

func registerDeformConv(_ k: inout [String: Kernel]) {
    k["DeformConv"] = { ctx in try deformConv(ctx) }
}
