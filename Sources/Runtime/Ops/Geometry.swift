// Image geometry and detection operators of recent opsets: CenterCropPad, AffineGrid, Col2Im, RoiAlign, NonMaxSuppression.

/// Multi-index of flat position `p` in `shape`.
private func coordinates(_ p: Int, _ shape: [Int]) -> [Int] {
    var c = [Int](repeating: 0, count: shape.count), r = p
    for d in stride(from: shape.count - 1, through: 0, by: -1) { c[d] = r % shape[d]; r /= shape[d] }
    return c
}

private func centerCropPad(_ ctx: NodeContext) throws -> [NDArray] {
    let x = try ctx.input(0)
    let sizes = try ctx.input(1).int64s.map { Int($0) }
    let axes = try (ctx.ints("axes") ?? Array(0..<x.rank)).map { try ctx.axis($0, rank: x.rank) }
    guard sizes.count == axes.count else { throw ctx.fail("shape has \(sizes.count) sizes for \(axes.count) axes") }
    var out = x.shape
    for (a, s) in zip(axes, sizes) { out[a] = s }
    // Offset of the output's origin in the input (negative: padding before).
    var offset = [Int](repeating: 0, count: x.rank)
    for a in axes { offset[a] = x.shape[a] >= out[a] ? (x.shape[a] - out[a]) / 2 : -((out[a] - x.shape[a]) / 2) }
    let strides = contiguousStrides(x.shape)
    let n = out.reduce(1, *)
    var keep = [Bool](repeating: true, count: n), idx = [Int](repeating: 0, count: n)
    for p in 0..<n {
        var q = 0
        for (d, c) in coordinates(p, out).enumerated() {
            let i = c + offset[d]
            if i < 0 || i >= x.shape[d] { keep[p] = false; break }
            q += i * strides[d]
        }
        if keep[p] { idx[p] = q }
    }
    return [x.gathered(idx, shape: out).masked { keep[$0] }]
}

private func affineGrid(_ ctx: NodeContext) throws -> [NDArray] {
    let theta = try ctx.input(0)
    let size = try ctx.input(1).int64s.map { Int($0) }
    let k = size.count - 2
    guard k == 2 || k == 3, theta.shape == [size[0], k, k + 1] else { throw ctx.fail("theta \(theta.shape) does not fit size \(size)") }
    let align = ctx.int("align_corners", 0) != 0
    let spatial = Array(size[2...])
    func base(_ i: Int, _ len: Int) -> Float {
        align ? (len == 1 ? 0 : -1 + 2 * Float(i) / Float(len - 1)) : (2 * Float(i) + 1) / Float(len) - 1
    }
    let t = theta.floats, points = spatial.reduce(1, *)
    var out = [Float](repeating: 0, count: size[0] * points * k)
    for b in 0..<size[0] {
        for p in 0..<points {
            let c = coordinates(p, spatial)
            // (x, y[, z]): x runs along the last axis.
            let v = (0..<k).map { base(c[k - 1 - $0], spatial[k - 1 - $0]) } + [1]
            for r in 0..<k {
                var s: Float = 0
                for j in 0...k { s += t[(b * k + r) * (k + 1) + j] * v[j] }
                out[(b * points + p) * k + r] = s
            }
        }
    }
    return [NDArray(shape: [size[0]] + spatial + [k], floats: out)]
}

private func col2Im(_ ctx: NodeContext) throws -> [NDArray] {
    let x = try ctx.input(0)
    let image = try ctx.input(1).int64s.map { Int($0) }, block = try ctx.input(2).int64s.map { Int($0) }
    let k = image.count
    let dil = ctx.ints("dilations") ?? [Int](repeating: 1, count: k)
    let pads = ctx.ints("pads") ?? [Int](repeating: 0, count: 2 * k)
    let strides = ctx.ints("strides") ?? [Int](repeating: 1, count: k)
    let blockSize = block.reduce(1, *)
    guard x.rank == 3, block.count == k, blockSize > 0, x.shape[1] % blockSize == 0 else {
        throw ctx.fail("input \(x.shape) does not fit block \(block)")
    }
    var counts: [Int] = []
    for d in 0..<k {
        let span = dil[d] * (block[d] - 1) + 1
        let room: Int = image[d] + pads[d] + pads[d + k] - span
        counts.append(room / strides[d] + 1)
    }
    guard counts.reduce(1, *) == x.shape[2] else { throw ctx.fail("\(x.shape[2]) blocks, the geometry gives \(counts)") }
    let (n, c) = (x.shape[0], x.shape[1] / blockSize)
    let imgStrides = contiguousStrides(image), plane = image.reduce(1, *)
    let v = x.floats
    var out = [Float](repeating: 0, count: n * c * plane)
    for b in 0..<n {
        for ch in 0..<c {
            for kb in 0..<blockSize {
                let ko = coordinates(kb, block)
                for l in 0..<x.shape[2] {
                    let lo = coordinates(l, counts)
                    var q = 0, inside = true
                    for d in 0..<k {
                        let i = lo[d] * strides[d] - pads[d] + ko[d] * dil[d]
                        if i < 0 || i >= image[d] { inside = false; break }
                        q += i * imgStrides[d]
                    }
                    if inside { out[(b * c + ch) * plane + q] += v[(b * x.shape[1] + ch * blockSize + kb) * x.shape[2] + l] }
                }
            }
        }
    }
    return [NDArray(shape: [n, c] + image, floats: out)]
}

func registerGeometry(_ k: inout [String: Kernel]) {
    k["CenterCropPad"] = { ctx in try centerCropPad(ctx) }
    k["AffineGrid"] = { ctx in try affineGrid(ctx) }
    k["Col2Im"] = { ctx in try col2Im(ctx) }
}

/// Intersection over union of two boxes given as (y1, x1, y2, x2) with any corner order.
private func iou(_ a: [Float], _ b: [Float]) -> Float {
    func norm(_ v: [Float]) -> (Float, Float, Float, Float) { (min(v[0], v[2]), min(v[1], v[3]), max(v[0], v[2]), max(v[1], v[3])) }
    let (ay1, ax1, ay2, ax2) = norm(a), (by1, bx1, by2, bx2) = norm(b)
    let ih = max(0, min(ay2, by2) - max(ay1, by1)), iw = max(0, min(ax2, bx2) - max(ax1, bx1))
    let inter = ih * iw
    let union = (ay2 - ay1) * (ax2 - ax1) + (by2 - by1) * (bx2 - bx1) - inter
    return union > 0 ? inter / union : 0
}

private func nonMaxSuppression(_ ctx: NodeContext) throws -> [NDArray] {
    let boxes = try ctx.input(0), scores = try ctx.input(1)
    guard boxes.rank == 3, boxes.shape[2] == 4, scores.rank == 3, scores.shape[0] == boxes.shape[0], scores.shape[2] == boxes.shape[1] else {
        throw ctx.fail("boxes \(boxes.shape) and scores \(scores.shape) do not match")
    }
    let maxOut = Int(ctx.optionalInput(2)?.int64s.first ?? 0)
    let iouThreshold = ctx.optionalInput(3)?.floats.first ?? 0
    let scoreThreshold = ctx.optionalInput(4)?.floats.first
    let center = ctx.int("center_point_box", 0) != 0
    let bv = boxes.floats, sv = scores.floats
    let (nb, nc, n) = (scores.shape[0], scores.shape[1], scores.shape[2])
    func box(_ b: Int, _ i: Int) -> [Float] {
        let v = Array(bv[((b * n + i) * 4)..<((b * n + i) * 4 + 4)])
        return center ? [v[1] - v[3] / 2, v[0] - v[2] / 2, v[1] + v[3] / 2, v[0] + v[2] / 2] : v
    }
    var out: [Int64] = []
    for b in 0..<nb {
        for c in 0..<nc where maxOut > 0 {
            let s = sv[((b * nc + c) * n)..<((b * nc + c + 1) * n)].map { $0 }
            let order = (0..<n).filter { scoreThreshold == nil || s[$0] > scoreThreshold! }.sorted { s[$0] > s[$1] || (s[$0] == s[$1] && $0 < $1) }
            var kept: [Int] = []
            for i in order where kept.count < maxOut {
                if kept.allSatisfy({ iou(box(b, $0), box(b, i)) <= iouThreshold }) { kept.append(i) }
            }
            for i in kept { out += [Int64(b), Int64(c), Int64(i)] }
        }
    }
    return [NDArray(shape: [out.count / 3, 3], int64s: out)]
}

/// The four bilinear taps (flat offsets, weights) of (y, x) in an H×W plane; none outside.
private func bilinearTaps(_ y0: Float, _ x0: Float, _ h: Int, _ w: Int) -> [(Int, Float)] {
    if y0 < -1 || y0 > Float(h) || x0 < -1 || x0 > Float(w) { return [] }
    var y = max(y0, 0), x = max(x0, 0)
    var yl = Int(y), xl = Int(x), yh = yl + 1, xh = xl + 1
    if yl >= h - 1 { yl = h - 1; yh = yl; y = Float(yl) }
    if xl >= w - 1 { xl = w - 1; xh = xl; x = Float(xl) }
    let ly = y - Float(yl), lx = x - Float(xl), hy = 1 - ly, hx = 1 - lx
    return [(yl * w + xl, hy * hx), (yl * w + xh, hy * lx), (yh * w + xl, ly * hx), (yh * w + xh, ly * lx)]
}

private func roiAlign(_ ctx: NodeContext) throws -> [NDArray] {
    let x = try ctx.input(0), rois = try ctx.floats(1), batch = try ctx.input(2).int64s
    guard x.rank == 4, rois.count == 4 * batch.count else { throw ctx.fail("needs X [N, C, H, W] and rois [R, 4] with R batch indices") }
    let (c, h, w) = (x.shape[1], x.shape[2], x.shape[3])
    let oh = ctx.int("output_height", 1), ow = ctx.int("output_width", 1), ratio = ctx.int("sampling_ratio", 0)
    let scale = ctx.float("spatial_scale", 1), isMax = ctx.string("mode", "avg") == "max"
    let halfPixel = ctx.string("coordinate_transformation_mode", "half_pixel") == "half_pixel"
    let offset: Float = halfPixel ? 0.5 : 0
    let v = x.floats
    var out = [Float](repeating: 0, count: batch.count * c * oh * ow)
    for r in 0..<batch.count {
        let sx = rois[4 * r] * scale - offset, sy = rois[4 * r + 1] * scale - offset
        var rw = rois[4 * r + 2] * scale - offset - sx, rh = rois[4 * r + 3] * scale - offset - sy
        if !halfPixel { rw = max(rw, 1); rh = max(rh, 1) }
        let bh = rh / Float(oh), bw = rw / Float(ow)
        let gh = ratio > 0 ? ratio : Int((rh / Float(oh)).rounded(.up)), gw = ratio > 0 ? ratio : Int((rw / Float(ow)).rounded(.up))
        let count = Float(max(gh * gw, 1))
        let base = Int(batch[r]) * c * h * w
        for ph in 0..<oh {
            for pw in 0..<ow {
                var samples: [[(Int, Float)]] = []
                for iy in 0..<gh {
                    for ix in 0..<gw {
                        let y = sy + Float(ph) * bh + (Float(iy) + 0.5) * bh / Float(gh)
                        let xx = sx + Float(pw) * bw + (Float(ix) + 0.5) * bw / Float(gw)
                        samples.append(bilinearTaps(y, xx, h, w))
                    }
                }
                for ch in 0..<c {
                    let plane = base + ch * h * w
                    var acc: Float = isMax ? -.infinity : 0
                    for taps in samples {
                        if isMax {
                            acc = max(acc, taps.isEmpty ? 0 : taps.map { v[plane + $0.0] * $0.1 }.max()!)
                        } else {
                            for (o, wt) in taps { acc += v[plane + o] * wt }
                        }
                    }
                    out[((r * c + ch) * oh + ph) * ow + pw] = isMax ? (samples.isEmpty ? 0 : acc) : acc / count
                }
            }
        }
    }
    return [NDArray(shape: [batch.count, c, oh, ow], floats: out)]
}

func registerDetection(_ k: inout [String: Kernel]) {
    k["RoiAlign"] = { ctx in try roiAlign(ctx) }
    k["NonMaxSuppression"] = { ctx in try nonMaxSuppression(ctx) }
}
