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
    for p in 0..<planes {
        for oy in 0..<h.output {
            for ox in 0..<w.output {
                let gval = gv[p * OHW + oy * w.output + ox]
                var best = -1, bestV = -Float.infinity
                var taps: [Int] = []
                var padded = 0
                for ki in 0..<h.kernel {
                    let iy = oy * h.stride + ki * h.dilation - h.padBegin
                    if iy >= h.input + h.padEnd { break }
                    for kj in 0..<w.kernel {
                        let ix = ox * w.stride + kj * w.dilation - w.padBegin
                        if ix >= w.input + w.padEnd { break }
                        padded += 1
                        guard iy >= 0, iy < h.input, ix >= 0, ix < w.input else { continue }
                        let j = p * HW + iy * w.input + ix
                        if isMax { if best < 0 || xv[j] > bestV { best = j; bestV = xv[j] } } else { taps.append(j) }
                    }
                }
                if isMax {
                    if best >= 0 { dx[best] += gval }
                } else {
                    let d = includePad ? padded : taps.count
                    if d > 0 { for j in taps { dx[j] += gval / Float(d) } }
                }
            }
        }
    }
    return [NDArray(shape: x.shape, floats: dx)]
}
