#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Resize (every mode, coordinate transformation, nearest rounding, cubic coefficient,
// exclude_outside, antialias, axes, keep_aspect_ratio_policy, tf_crop_and_resize with
// extrapolation) and the older Upsample. Separable: one 1-D pass per axis, last axis first,
// as ONNX's reference evaluates the N-D interpolation.

/// The input positions and weights that make one output element along one axis.
private struct Taps {
    var index: [Int] = []
    var weight: [Float] = []
    /// Outside the crop region (tf_crop_and_resize): the extrapolation value.
    var outside = false
}

private struct ResizeSpec {
    var mode = "nearest"
    var coordinates = "half_pixel"
    var nearest = "round_prefer_floor"
    var cubicA: Float = -0.75
    var excludeOutside = false
    var antialias = false
}

/// The sampling position in the input for output index `i` of `outLen`.
private func sourceCoordinate(_ s: ResizeSpec, _ i: Int, inLen: Int, outLen: Int, scale: Double, roi: (Double, Double)) -> Double {
    let x = Double(i)
    switch s.coordinates {
    case "asymmetric": return x / scale
    case "align_corners":  // the unrounded output length, as the reference uses
        let len = Double(inLen) * scale
        return len == 1 ? 0 : x * Double(inLen - 1) / (len - 1)
    case "pytorch_half_pixel": return outLen > 1 ? (x + 0.5) / scale - 0.5 : 0
    case "tf_crop_and_resize":
        let (a, b) = roi
        return outLen > 1 ? a * Double(inLen - 1) + x * (b - a) * Double(inLen - 1) / Double(outLen - 1)
            : 0.5 * (a + b) * Double(inLen - 1)
    case "half_pixel_symmetric":
        let adjustment = Double(outLen) / (scale * Double(inLen))
        let offset = Double(inLen) / 2 * (1 - adjustment)
        return offset + (x + 0.5) / scale - 0.5
    default: return (x + 0.5) / scale - 0.5
    }
}

/// Weights of the cubic convolution kernel at distance `x`.
private func cubicKernel(_ x: Double, _ a: Double) -> Double {
    let t = abs(x)
    if t <= 1 { return ((a + 2) * t - (a + 3)) * t * t + 1 }
    if t < 2 { return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a }
    return 0
}

private func taps(_ s: ResizeSpec, inLen: Int, outLen: Int, scale: Double, roi: (Double, Double)) -> [Taps] {
    (0..<outLen).map { i in
        let x = sourceCoordinate(s, i, inLen: inLen, outLen: outLen, scale: scale, roi: roi)
        var t = Taps()
        if s.coordinates == "tf_crop_and_resize" && (x < 0 || x > Double(inLen - 1)) { t.outside = true; return t }
        // base and ratio in (0, 1]: the reference's neighbourhood of x.
        let fl = x.rounded(.down)
        let base = fl == x ? Int(fl) - 1 : Int(fl)
        let ratio = x - Double(base)
        var offsets: [Int], w: [Double]
        switch s.mode {
        case "linear", "cubic":
            let cubic = s.mode == "cubic"
            let sc = s.antialias ? min(scale, 1) : 1
            let start = Int(((cubic ? -2 : -1) / sc).rounded(.down)) + 1
            offsets = Array(start..<(2 - start))
            w = offsets.map { o in
                let d = (Double(o) - ratio) * sc
                return cubic ? cubicKernel(d, Double(s.cubicA)) : max(0, 1 - abs(d))
            }
        default:
            offsets = [0, 1]
            let up: Bool
            switch s.nearest {
            case "floor": up = ratio == 1
            case "ceil": up = true
            case "round_prefer_ceil": up = ratio >= 0.5
            default: up = ratio > 0.5
            }
            w = up ? [0, 1] : [1, 0]
        }
        for (o, wt) in zip(offsets, w) {
            let j = base + o
            if s.excludeOutside && (j < 0 || j >= inLen) { continue }
            t.index.append(min(max(j, 0), inLen - 1))
            t.weight.append(Float(wt))
        }
        if s.mode != "nearest" {
            let sum = t.weight.reduce(0, +)
            if sum != 0 && (s.excludeOutside || s.antialias) { t.weight = t.weight.map { $0 / sum } }
        }
        return t
    }
}

/// One 1-D pass along `axis`.
private func resample(_ v: [Float], _ shape: [Int], axis: Int, _ t: [Taps], extrapolation: Float) -> [Float] {
    let view = AxisView(shape, axis)
    var out = [Float](repeating: 0, count: view.outer * t.count * view.inner)
    for o in 0..<view.outer {
        for (j, tap) in t.enumerated() {
            for i in 0..<view.inner {
                var s: Float = 0
                if tap.outside { s = extrapolation } else {
                    for (p, w) in zip(tap.index, tap.weight) where w != 0 { s += w * v[view.at(o, p, i)] }
                }
                out[(o * t.count + j) * view.inner + i] = s
            }
        }
    }
    return out
}

/// Output sizes and scales per axis from the scales/sizes inputs.
private func resizeTargets(_ ctx: NodeContext, _ x: NDArray, axes: [Int]) throws -> (sizes: [Int], scales: [Double]) {
    var sizes = x.shape, scales = [Double](repeating: 1, count: x.rank)
    if let sz = ctx.optionalInput(3), sz.count > 0 {
        let given = sz.int64s.map { Int($0) }
        guard given.count == axes.count else { throw ctx.fail("sizes has \(given.count) entries for \(axes.count) axes") }
        let policy = ctx.string("keep_aspect_ratio_policy", "stretch")
        let ratios = zip(axes, given).map { Double($1) / Double(x.shape[$0]) }
        for (a, (n, r)) in zip(axes, zip(given, ratios)) {
            if policy == "stretch" {
                sizes[a] = n; scales[a] = r
            } else {
                let r0 = policy == "not_larger" ? ratios.min()! : ratios.max()!
                scales[a] = r0
                sizes[a] = Int((Double(x.shape[a]) * r0).rounded(.toNearestOrEven))
            }
        }
        return (sizes, scales)
    }
    guard let sc = ctx.optionalInput(2) ?? (ctx.op == "Upsample" ? ctx.optionalInput(1) : nil) ?? (ctx.opset < 11 ? ctx.optionalInput(1) : nil),
          sc.count == axes.count else {
        throw ctx.fail("give either scales or sizes for \(axes.count) axes")
    }
    for (a, s) in zip(axes, sc.floats) {
        scales[a] = Double(s)
        sizes[a] = Int((Double(x.shape[a]) * Double(s)).rounded(.down))
    }
    return (sizes, scales)
}

func registerResize(_ k: inout [String: Kernel]) {
    let resize: Kernel = { ctx in
        let x = try ctx.input(0)
        var s = ResizeSpec()
        s.mode = ctx.string("mode", "nearest")
        s.coordinates = ctx.string("coordinate_transformation_mode", "half_pixel")
        s.nearest = ctx.string("nearest_mode", "round_prefer_floor")
        s.cubicA = ctx.float("cubic_coeff_a", -0.75)
        s.excludeOutside = ctx.int("exclude_outside", 0) != 0
        s.antialias = ctx.int("antialias", 0) != 0
        if ctx.op == "Upsample" || ctx.opset < 11 { s.coordinates = "asymmetric"; s.nearest = "floor" }
        let axes = try (ctx.ints("axes") ?? Array(0..<x.rank)).map { try ctx.axis($0, rank: x.rank) }
        let (sizes, scales) = try resizeTargets(ctx, x, axes: axes)
        var roi = [(Double, Double)](repeating: (0, 1), count: x.rank)
        if ctx.op == "Resize", ctx.opset >= 11, let r = ctx.optionalInput(1), r.count == 2 * axes.count {
            let f = r.floats.map(Double.init)
            for (i, a) in axes.enumerated() { roi[a] = (f[i], f[i + axes.count]) }
        }
        var v = x.floats, shape = x.shape
        let extrapolation = ctx.float("extrapolation_value", 0)
        for a in stride(from: x.rank - 1, through: 0, by: -1) where sizes[a] != x.shape[a] || scales[a] != 1 || s.coordinates == "tf_crop_and_resize" {
            let t = taps(s, inLen: x.shape[a], outLen: sizes[a], scale: scales[a], roi: roi[a])
            v = resample(v, shape, axis: a, t, extrapolation: extrapolation)
            shape[a] = sizes[a]
        }
        let out = NDArray(shape: shape, floats: v)
        return [x.elementType == .float32 ? out : NDArray(shape: shape, floats: v.map { $0.rounded() }).cast(to: x.elementType)]
    }
    k["Resize"] = resize
    k["Upsample"] = resize
}
