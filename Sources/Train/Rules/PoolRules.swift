import Runtime

// MaxPool (gradient to the first maximum of each window), AveragePool, GlobalAveragePool,
// GlobalMaxPool.

func registerPoolRules(_ t: inout [String: BackwardRule]) {
    t["MaxPool"] = BackwardRule(differentiable: [0], savesInputs: [0]) { try poolBackward($0, max: true) }
    t["AveragePool"] = BackwardRule(differentiable: [0], savesInputs: [0]) { try poolBackward($0, max: false) }
    t["GlobalAveragePool"] = BackwardRule(differentiable: [0]) { ctx in
        let s = try ctx.shape(0), g = try ctx.grad().f
        let S = s.dropFirst(2).reduce(1, *)
        var dx = [Float](repeating: 0, count: s.reduce(1, *))
        for i in 0..<g.count { let v = g[i] / Float(S); for j in 0..<S { dx[i * S + j] = v } }
        return [NDArray(shape: s, floats: dx)]
    }
    t["GlobalMaxPool"] = BackwardRule(differentiable: [0], savesInputs: [0]) { ctx in
        let x = try ctx.input(0), xv = x.f, g = try ctx.grad().f
        let S = x.shape.dropFirst(2).reduce(1, *)
        var dx = [Float](repeating: 0, count: x.count)
        for i in 0..<g.count {
            var best = i * S
            for j in (i * S)..<((i + 1) * S) where xv[j] > xv[best] { best = j }
            dx[best] += g[i]
        }
        return [NDArray(shape: x.shape, floats: dx)]
    }
}

private func poolBackward(_ ctx: RuleContext, max isMax: Bool) throws -> [NDArray?] {
    let x = try ctx.input(0), g = try ctx.grad()
    guard x.rank >= 3, g.rank == x.rank, let kernel = ctx.ints("kernel_shape") else {
        throw ctx.fail("input must be N×C×spatial with kernel_shape, got \(x.shape)")
    }
    let (h, w) = try windowAxes(ctx, image: Array(x.shape.dropFirst(2)), windows: Array(g.shape.dropFirst(2)), kernel: kernel)
    let includePad = ctx.int("count_include_pad", 0) != 0
    let xv = x.f, gv = g.f
    let planes = x.shape[0] * x.shape[1]
    let HW = h.input * w.input, OHW = h.output * w.output
    var dx = [Float](repeating: 0, count: x.count)
    guard planes > 0, HW > 0, OHW > 0 else { return [NDArray(shape: x.shape, floats: dx)] }
    // Planes are independent (each writes only its own dx plane): split over the cores,
    // the sums within a plane in the same order as one thread.
    xv.withUnsafeBufferPointer { XP in gv.withUnsafeBufferPointer { GP in dx.withUnsafeMutableBufferPointer { DP in
        let xp = UnsafeSendable(XP.baseAddress!), gp = UnsafeSendable(GP.baseAddress!), dp = SharedPointer(p: DP.baseAddress!)
        _ = parallelRanges(planes, minItems: 16, parallel: ctx.parallel) { range, _ in
            for p in range {
                poolPlaneBackward(xp.p + p * HW, gp.p + p * OHW, dp.p + p * HW, h, w, max: isMax, includePad: includePad)
            }
        }
    } } }
    return [NDArray(shape: x.shape, floats: dx)]
}

/// One plane: the gradient of each window to its first maximum (MaxPool) or spread evenly
/// over its taps (AveragePool; with `includePad` the padded positions count too).
private func poolPlaneBackward(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                               _ h: AxisPlan, _ w: AxisPlan, max isMax: Bool, includePad: Bool) {
    let H = h.input, W = w.input, OH = h.output, OW = w.output, KH = h.kernel, KW = w.kernel
    let SH = h.stride, SW = w.stride, DH = h.dilation, DW = w.dilation, PH = h.padBegin, PW = w.padBegin
    let HE = H + h.padEnd, WE = W + w.padEnd
    if isMax, PH == 0, PW == 0, (OH - 1) * SH + (KH - 1) * DH < H, (OW - 1) * SW + (KW - 1) * DW < W {
        maxPlaneInside(x, g, dx, H: H, W: W, OH: OH, OW: OW, KH: KH, KW: KW, SH: SH, SW: SW, DH: DH, DW: DW)
        return
    }
    for oy in 0..<OH {
        for ox in 0..<OW {
            let gval = g[oy * OW + ox]
            if isMax {
                // The first maximum in row-major window order (positions outside the image skipped).
                var best = -1, bestV = -Float.infinity
                for ki in 0..<KH {
                    let iy = oy * SH + ki * DH - PH
                    if iy >= HE { break }
                    if iy < 0 || iy >= H { continue }
                    for kj in 0..<KW {
                        let ix = ox * SW + kj * DW - PW
                        if ix >= WE { break }
                        if ix < 0 || ix >= W { continue }
                        let j = iy * W + ix
                        if best < 0 || x[j] > bestV { best = j; bestV = x[j] }
                    }
                }
                if best >= 0 { dx[best] += gval }
                continue
            }
            var taps = 0, padded = 0
            for pass in 0..<2 {
                let share = pass == 1 ? gval / Float(includePad ? padded : taps) : 0
                for ki in 0..<KH {
                    let iy = oy * SH + ki * DH - PH
                    if iy >= HE { break }
                    for kj in 0..<KW {
                        let ix = ox * SW + kj * DW - PW
                        if ix >= WE { break }
                        if pass == 0 { padded += 1 }
                        guard iy >= 0, iy < H, ix >= 0, ix < W else { continue }
                        if pass == 0 { taps += 1 } else { dx[iy * W + ix] += share }
                    }
                }
                if (includePad ? padded : taps) == 0 { break }
            }
        }
    }
}

/// MaxPool's plane when every window lies inside the image: the first maximum in row-major
/// window order, chosen without branches on the data (the same tap as the general loop).
private func maxPlaneInside(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                            H: Int, W: Int, OH: Int, OW: Int, KH: Int, KW: Int, SH: Int, SW: Int, DH: Int, DW: Int) {
    for oy in 0..<OH {
        for ox in 0..<OW {
            let origin = oy &* SH &* W &+ ox &* SW
            var best = origin, bestV = x[origin]
            for ki in 0..<KH {
                let row = origin &+ ki &* DH &* W
                for kj in 0..<KW {
                    let j = row &+ kj &* DW, v = x[j]
                    let better = v > bestV
                    best = better ? j : best
                    bestV = better ? v : bestV
                }
            }
            dx[best] += g[oy &* OW &+ ox]
        }
    }
}
