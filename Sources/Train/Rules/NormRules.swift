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
    var mean = [Float](repeating: 0, count: C), inv = mean
    var newMean = rm.f, newVar = rv.f
    for c in 0..<C {
        var s = 0.0, ss = 0.0
        for n in 0..<N { let base = (n * C + c) * S; for i in 0..<S { s += Double(xv[base + i]) } }
        let mu = s / Double(m)
        for n in 0..<N { let base = (n * C + c) * S; for i in 0..<S { let d = Double(xv[base + i]) - mu; ss += d * d } }
        let v = ss / Double(m)
        let r = 1 / (v + Double(eps)).squareRoot()
        mean[c] = Float(mu); inv[c] = Float(r)
        let a = g[c] * Float(r), sh = bv[c] - Float(mu) * a
        for n in 0..<N { let base = (n * C + c) * S; for i in 0..<S { y[base + i] = xv[base + i] * a + sh } }
        newMean[c] = mom * newMean[c] + (1 - mom) * Float(mu)
        newVar[c] = mom * newVar[c] + (1 - mom) * Float(ss / Double(m - 1))
    }
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
    var dg = [Float](repeating: 0, count: C), db = dg
    let m = Float(N * S)
    for c in 0..<C {
        var sdy = 0.0, sdyx = 0.0
        for n in 0..<N { let base = (n * C + c) * S; for i in 0..<S {
            let xh = (xv[base + i] - mean[c]) * inv[c]
            sdy += Double(dy[base + i]); sdyx += Double(dy[base + i] * xh)
        } }
        dg[c] = Float(sdyx); db[c] = Float(sdy)
        let k = gamma[c] * inv[c]
        for n in 0..<N { let base = (n * C + c) * S; for i in 0..<S {
            if training {
                let xh = (xv[base + i] - mean[c]) * inv[c]
                dx[base + i] = k / m * (m * dy[base + i] - Float(sdy) - xh * Float(sdyx))
            } else {
                dx[base + i] = k * dy[base + i]
            }
        } }
    }
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
