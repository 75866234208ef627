import Foundation
import Runtime

// Softmax, LogSoftmax, BatchNormalization (batch statistics while training, running
// statistics when frozen), LayerNormalization.

func registerNormRules(_ t: inout [String: BackwardRule]) {
    t["Softmax"] = BackwardRule(differentiable: [0], savesOutputs: [0]) { try softmaxBackward($0, log: false) }
    t["LogSoftmax"] = BackwardRule(differentiable: [0], savesOutputs: [0]) { try softmaxBackward($0, log: true) }
    t["BatchNormalization"] = BackwardRule(differentiable: [0, 1, 2], savesInputs: [0, 1, 3, 4],
                                           trainingForward: batchNormForward, backward: batchNormBackward)
    t["LayerNormalization"] = BackwardRule(differentiable: [0, 1, 2], savesInputs: [0, 1], backward: layerNormBackward)
}

/// outer × axis × inner decomposition of a softmax axis (opset < 13: everything from the
/// axis on is one flattened axis).
private func softmaxSplit(_ ctx: RuleContext, _ shape: [Int]) throws -> (Int, Int, Int) {
    let r = shape.count
    let a = try ctx.axis(ctx.int("axis", ctx.opset >= 13 ? -1 : 1), rank: r)
    let outer = shape[..<a].reduce(1, *)
    if ctx.opset < 13 { return (outer, shape[a...].reduce(1, *), 1) }
    return (outer, shape[a], shape[(a + 1)...].reduce(1, *))
}

private func softmaxBackward(_ ctx: RuleContext, log: Bool) throws -> [NDArray?] {
    let y = try ctx.output(0), yv = y.f, g = try ctx.grad().f
    let (outer, n, inner) = try softmaxSplit(ctx, y.shape)
    var dx = [Float](repeating: 0, count: g.count)
    for o in 0..<outer {
        for i in 0..<inner {
            let base = o * n * inner + i
            var s: Float = 0
            for j in 0..<n { let k = base + j * inner; s += log ? g[k] : g[k] * yv[k] }
            for j in 0..<n {
                let k = base + j * inner
                dx[k] = log ? g[k] - Foundation.exp(yv[k]) * s : yv[k] * (g[k] - s)
            }
        }
    }
    return [NDArray(shape: y.shape, floats: dx)]
}

/// Channel layout N × C × S of a BatchNormalization input.
private func bnLayout(_ shape: [Int]) -> (Int, Int, Int) {
    (shape[0], shape.count > 1 ? shape[1] : 1, shape.dropFirst(2).reduce(1, *))
}

/// Training-mode BatchNormalization: batch mean and (population) variance normalise;
/// running statistics move as PyTorch moves them: r ← momentum·r + (1 − momentum)·batch,
/// with the unbiased batch variance (ONNX's momentum = 1 − PyTorch's).
@Sendable private func batchNormForward(_ ctx: ForwardContext) throws -> ForwardResult {
    guard ctx.inputs.count >= 5, let x = ctx.inputs[0], let sc = ctx.inputs[1], let b = ctx.inputs[2],
          let rm = ctx.inputs[3], let rv = ctx.inputs[4] else { throw ctx.fail("needs X, scale, B, mean, var") }
    let eps = ctx.float("epsilon", 1e-5), mom = ctx.float("momentum", 0.9)
    let (N, C, S) = bnLayout(x.shape)
    let m = N * S
    guard m > 1 else { throw ctx.fail("batch statistics need more than one value per channel, got \(x.shape)") }
    let xv = x.f, g = sc.f, bv = b.f
    var y = [Float](repeating: 0, count: xv.count)
    var stats = [Float](repeating: 0, count: 4 * C)  // mean, 1/σ, new running mean, new running var
    let rmv = rm.f, rvv = rv.f
    xv.withUnsafeBufferPointer { XP in y.withUnsafeMutableBufferPointer { YP in stats.withUnsafeMutableBufferPointer { SP in
        let xp = UnsafeSendable(XP.baseAddress!), yp = SharedPointer(p: YP.baseAddress!), sp = SharedPointer(p: SP.baseAddress!)
        _ = parallelRanges(C) { range, _ in
            for c in range {
                var s = 0.0, ss = 0.0
                for n in 0..<N { let base = xp.p + (n * C + c) * S; for i in 0..<S { s += Double(base[i]) } }
                let mu = s / Double(m)
                for n in 0..<N { let base = xp.p + (n * C + c) * S; for i in 0..<S { let d = Double(base[i]) - mu; ss += d * d } }
                let r = 1 / (ss / Double(m) + Double(eps)).squareRoot()
                let a = g[c] * Float(r), sh = bv[c] - Float(mu) * a
                for n in 0..<N {
                    let src = xp.p + (n * C + c) * S, dst = yp.p + (n * C + c) * S
                    for i in 0..<S { dst[i] = src[i] * a + sh }
                }
                sp.p[c] = Float(mu); sp.p[C + c] = Float(r)
                sp.p[2 * C + c] = mom * rmv[c] + (1 - mom) * Float(mu)
                sp.p[3 * C + c] = mom * rvv[c] + (1 - mom) * Float(ss / Double(m - 1))
            }
        }
    } } }
    let mean = Array(stats[0..<C]), inv = Array(stats[C..<(2 * C)])
    let newMean = Array(stats[(2 * C)..<(3 * C)]), newVar = Array(stats[(3 * C)...])
    var outs = [NDArray(shape: x.shape, floats: y)]
    let declared = ctx.node.outputs.count
    if declared > 1 { outs.append(NDArray(shape: rm.shape, floats: newMean)) }
    if declared > 2 { outs.append(NDArray(shape: rv.shape, floats: newVar)) }
    return ForwardResult(outputs: outs, aux: [NDArray(shape: [C], floats: mean), NDArray(shape: [C], floats: inv)],
                         stateUpdates: [3: NDArray(shape: rm.shape, floats: newMean), 4: NDArray(shape: rv.shape, floats: newVar)])
}

@Sendable private func batchNormBackward(_ ctx: RuleContext) throws -> [NDArray?] {
    let x = try ctx.input(0), gamma = try ctx.input(1).f, dy = try ctx.grad().f
    let (N, C, S) = bnLayout(x.shape)
    let xv = x.f
    let training = ctx.aux.count == 2
    let mean = training ? ctx.aux[0].f : try ctx.input(3).f
    let inv = training ? ctx.aux[1].f : try ctx.input(4).f.map { 1 / ($0 + ctx.float("epsilon", 1e-5)).squareRoot() }
    var dx = [Float](repeating: 0, count: xv.count)
    var sums = [Float](repeating: 0, count: 2 * C)  // Σ dy·x̂ (dγ), Σ dy (dβ)
    let m = Float(N * S)
    xv.withUnsafeBufferPointer { XP in dy.withUnsafeBufferPointer { GP in dx.withUnsafeMutableBufferPointer { DP in sums.withUnsafeMutableBufferPointer { SP in
        let xp = UnsafeSendable(XP.baseAddress!), gp = UnsafeSendable(GP.baseAddress!)
        let dp = SharedPointer(p: DP.baseAddress!), sp = SharedPointer(p: SP.baseAddress!)
        _ = parallelRanges(C) { range, _ in
            for c in range {
                var sdy = 0.0, sdyx = 0.0
                for n in 0..<N {
                    let xb = xp.p + (n * C + c) * S, gb = gp.p + (n * C + c) * S
                    for i in 0..<S { sdy += Double(gb[i]); sdyx += Double(gb[i] * (xb[i] - mean[c]) * inv[c]) }
                }
                sp.p[c] = Float(sdyx); sp.p[C + c] = Float(sdy)
                let k = gamma[c] * inv[c], fs = Float(sdy), fsx = Float(sdyx)
                for n in 0..<N {
                    let xb = xp.p + (n * C + c) * S, gb = gp.p + (n * C + c) * S, db = dp.p + (n * C + c) * S
                    if training {
                        for i in 0..<S { db[i] = k / m * (m * gb[i] - fs - (xb[i] - mean[c]) * inv[c] * fsx) }
                    } else {
                        for i in 0..<S { db[i] = k * gb[i] }
                    }
                }
            }
        }
    } } } }
    let dg = Array(sums[0..<C]), db = Array(sums[C...])
    return [NDArray(shape: x.shape, floats: dx), NDArray(shape: [C], floats: dg), NDArray(shape: [C], floats: db)]
}

@Sendable private func layerNormBackward(_ ctx: RuleContext) throws -> [NDArray?] {
    let x = try ctx.input(0), sc = try ctx.input(1), dy = try ctx.grad().f
    let a = try ctx.axis(ctx.int("axis", -1), rank: x.rank)
    let eps = ctx.float("epsilon", 1e-5)
    let D = x.shape[a...].reduce(1, *), rows = x.count / max(D, 1)
    guard sc.count == D else { throw ctx.fail("Scale must hold the \(D) normalised elements, got \(sc.shape)") }
    let xv = x.f, gamma = sc.f
    var dx = [Float](repeating: 0, count: xv.count), dg = [Float](repeating: 0, count: D), db = dg
    var xh = [Float](repeating: 0, count: D), dh = xh
    for r in 0..<rows {
        let base = r * D
        var s = 0.0
        for j in 0..<D { s += Double(xv[base + j]) }
        let mu = s / Double(D)
        var ss = 0.0
        for j in 0..<D { let d = Double(xv[base + j]) - mu; ss += d * d }
        let inv = Float(1 / (ss / Double(D) + Double(eps)).squareRoot())
        var sdh: Float = 0, sdhx: Float = 0
        for j in 0..<D {
            xh[j] = (xv[base + j] - Float(mu)) * inv
            dh[j] = dy[base + j] * gamma[j]
            sdh += dh[j]; sdhx += dh[j] * xh[j]
            dg[j] += dy[base + j] * xh[j]; db[j] += dy[base + j]
        }
        for j in 0..<D { dx[base + j] = inv / Float(D) * (Float(D) * dh[j] - sdh - xh[j] * sdhx) }
    }
    var res: [NDArray?] = [NDArray(shape: x.shape, floats: dx), NDArray(shape: sc.shape, floats: dg)]
    if ctx.inputShapes.count > 2, let bs = ctx.inputShapes[2] { res.append(NDArray(shape: bs, floats: db)) }
    return res
}
