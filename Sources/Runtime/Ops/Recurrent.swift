#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// RNN, GRU and LSTM: forward, reverse and bidirectional; both layouts; sequence_lens;
// initial states; peepholes; clip; linear_before_reset; input_forget; custom activations.

/// An activation function by ONNX name with its alpha/beta.
private func activation(_ name: String, _ alpha: Float?, _ beta: Float?) throws -> (Float) -> Float {
    switch name.lowercased() {
    case "sigmoid": return sigmoidf
    case "tanh": return tanhf
    case "relu": return { max(0, $0) }
    case "affine": let a = alpha ?? 1, b = beta ?? 0; return { a * $0 + b }
    case "leakyrelu": let a = alpha ?? 0.01; return { $0 >= 0 ? $0 : a * $0 }
    case "thresholdedrelu": let a = alpha ?? 1; return { $0 > a ? $0 : 0 }
    case "scaledtanh": let a = alpha ?? 1, b = beta ?? 1; return { a * tanhf(b * $0) }
    case "hardsigmoid": let a = alpha ?? 0.2, b = beta ?? 0.5; return { max(0, min(1, a * $0 + b)) }
    case "elu": let a = alpha ?? 1; return { $0 >= 0 ? $0 : a * (expf($0) - 1) }
    case "softsign": return { $0 / (1 + abs($0)) }
    case "softplus": return { log1pf(expf($0)) }
    default: throw RuntimeError.invalidArgument("unknown activation \(name)")
    }
}

private enum Cell { case rnn, gru, lstm
    var gates: Int { self == .rnn ? 1 : (self == .gru ? 3 : 4) }
    var defaultActivations: [String] {
        switch self { case .rnn: return ["Tanh"]; case .gru: return ["Sigmoid", "Tanh"]; case .lstm: return ["Sigmoid", "Tanh", "Tanh"] }
    }
}

/// y[h] = Σ_k x[k] · W[row0 + h][k] for `count` rows.
@inline(__always)
private func affine(_ w: [Float], row0: Int, count: Int, _ x: ArraySlice<Float>, _ y: inout [Float], at: Int) {
    let n = x.count
    for h in 0..<count {
        var s: Float = 0
        let base = (row0 + h) * n
        var k = 0
        for xv in x { s += xv * w[base + k]; k += 1 }
        y[at + h] += s
    }
}

/// The activation functions of every direction, from `activations`/`activation_alpha`/`activation_beta`.
private func activations(_ ctx: NodeContext, _ cell: Cell, directions dirs: Int) throws -> [(Float) -> Float] {
    let names = ctx.node.attribute("activations")?.strings.map { String(decoding: $0, as: UTF8.self) } ?? []
    let alphas = ctx.node.attribute("activation_alpha")?.floats ?? [], betas = ctx.node.attribute("activation_beta")?.floats ?? []
    let per = cell.defaultActivations.count
    guard names.isEmpty || names.count == per * dirs else { throw ctx.fail("needs \(per * dirs) activations, got \(names.count)") }
    var acts: [(Float) -> Float] = []
    var ai = 0
    for d in 0..<dirs {
        for j in 0..<per {
            let name = names.isEmpty ? cell.defaultActivations[j] : names[d * per + j]
            let takes = ["affine", "leakyrelu", "thresholdedrelu", "scaledtanh", "hardsigmoid", "elu"].contains(name.lowercased())
            do {
                acts.append(try activation(name, takes && ai < alphas.count ? alphas[ai] : nil, takes && ai < betas.count ? betas[ai] : nil))
            } catch { throw ctx.fail("unknown activation \(name)") }
            if takes { ai += 1 }
        }
    }
    return acts
}

private func recurrent(_ ctx: NodeContext, _ cell: Cell) throws -> [NDArray] {
    let layout = ctx.int("layout", 0)
    var x = try ctx.input(0)
    if layout == 1 { x = x.permuted(x.shape, [1, 0, 2], to: [x.shape[1], x.shape[0], x.shape[2]]) }
    let w = try ctx.floats(1), r = try ctx.floats(2)
    let (seq, batch, inSize) = (x.shape[0], x.shape[1], x.shape[2])
    let hidden = ctx.int("hidden_size", try ctx.input(2).shape.last ?? 0)
    let dirName = ctx.string("direction", "forward")
    let dirs = dirName == "bidirectional" ? 2 : 1
    let g = cell.gates
    let b = ctx.optionalInput(3)?.floats ?? [Float](repeating: 0, count: dirs * 2 * g * hidden)
    let lens = ctx.optionalInput(4)?.int64s.map { Int($0) } ?? [Int](repeating: seq, count: batch)
    func state(_ i: Int) -> [Float] {
        guard let a = ctx.optionalInput(i) else { return [Float](repeating: 0, count: dirs * batch * hidden) }
        return layout == 1 ? a.permuted(a.shape, [1, 0, 2], to: [a.shape[1], a.shape[0], a.shape[2]]).floats : a.floats
    }
    var hState = state(5), cState = cell == .lstm ? state(6) : []
    let peep = cell == .lstm ? ctx.optionalInput(7)?.floats : nil
    let acts = try activations(ctx, cell, directions: dirs)
    let clip = ctx.has("clip") ? ctx.float("clip", 0) : Float.infinity
    let lbr = ctx.int("linear_before_reset", 0) != 0, inputForget = ctx.int("input_forget", 0) != 0
    let xv = x.floats
    var y = [Float](repeating: 0, count: seq * dirs * batch * hidden)
    for d in 0..<dirs {
        let reverse = dirName == "reverse" || d == 1
        let f = acts[d * cell.defaultActivations.count]
        let gAct = cell == .rnn ? f : acts[d * cell.defaultActivations.count + 1]
        let hAct = cell == .lstm ? acts[d * 3 + 2] : f
        let wOff = d * g * hidden * inSize, rOff = d * g * hidden * hidden, bOff = d * 2 * g * hidden
        let wd = Array(w[wOff..<(wOff + g * hidden * inSize)]), rd = Array(r[rOff..<(rOff + g * hidden * hidden)])
        for bi in 0..<batch {
            let hs = (d * batch + bi) * hidden
            var h = Array(hState[hs..<(hs + hidden)]), c = cell == .lstm ? Array(cState[hs..<(hs + hidden)]) : []
            for step in 0..<min(lens[bi], seq) {
                let t = reverse ? lens[bi] - 1 - step : step
                let xt = xv[((t * batch + bi) * inSize)..<((t * batch + bi + 1) * inSize)]
                var xg = Array(b[bOff..<(bOff + g * hidden)])       // Wb + X·Wᵀ
                affine(wd, row0: 0, count: g * hidden, xt, &xg, at: 0)
                var hg = Array(b[(bOff + g * hidden)..<(bOff + 2 * g * hidden)])  // Rb + H·Rᵀ
                affine(rd, row0: 0, count: g * hidden, h[...], &hg, at: 0)
                func cl(_ v: Float) -> Float { min(max(v, -clip), clip) }
                switch cell {
                case .rnn:
                    for k in 0..<hidden { h[k] = f(cl(xg[k] + hg[k])) }
                case .gru:
                    var nh = h
                    let rr = (0..<hidden).map { f(cl(xg[hidden + $0] + hg[hidden + $0])) }
                    for k in 0..<hidden {
                        let z = f(cl(xg[k] + hg[k]))
                        var pre: Float
                        if lbr { pre = xg[2 * hidden + k] + rr[k] * hg[2 * hidden + k] } else {
                            var s = b[bOff + 5 * hidden + k]
                            for j in 0..<hidden { s += rr[j] * h[j] * rd[(2 * hidden + k) * hidden + j] }
                            pre = xg[2 * hidden + k] + s
                        }
                        nh[k] = (1 - z) * gAct(cl(pre)) + z * h[k]
                    }
                    h = nh
                case .lstm:
                    for k in 0..<hidden {
                        let pi = peep?[d * 3 * hidden + k] ?? 0, po = peep?[d * 3 * hidden + hidden + k] ?? 0, pf = peep?[d * 3 * hidden + 2 * hidden + k] ?? 0
                        let i = f(cl(xg[k] + hg[k] + pi * c[k]))
                        let fg = inputForget ? 1 - i : f(cl(xg[2 * hidden + k] + hg[2 * hidden + k] + pf * c[k]))
                        let cc = gAct(cl(xg[3 * hidden + k] + hg[3 * hidden + k]))
                        c[k] = fg * c[k] + i * cc
                        let o = f(cl(xg[hidden + k] + hg[hidden + k] + po * c[k]))
                        h[k] = o * hAct(c[k])
                    }
                }
                for k in 0..<hidden { y[((t * dirs + d) * batch + bi) * hidden + k] = h[k] }
            }
            for k in 0..<hidden { hState[hs + k] = h[k]; if cell == .lstm { cState[hs + k] = c[k] } }
        }
    }
    return outputs(cell, layout: layout, y: y, h: hState, c: cState, seq: seq, dirs: dirs, batch: batch, hidden: hidden)
}

/// Y, Y_h (and Y_c) in the node's layout.
private func outputs(_ cell: Cell, layout: Int, y: [Float], h hState: [Float], c cState: [Float],
                     seq: Int, dirs: Int, batch: Int, hidden: Int) -> [NDArray] {
    var yArr = NDArray(shape: [seq, dirs, batch, hidden], floats: y)
    var hArr = NDArray(shape: [dirs, batch, hidden], floats: hState)
    var cArr = NDArray(shape: [dirs, batch, hidden], floats: cState.isEmpty ? hState : cState)
    if layout == 1 {
        yArr = yArr.permuted(yArr.shape, [2, 0, 1, 3], to: [batch, seq, dirs, hidden])
        hArr = hArr.permuted(hArr.shape, [1, 0, 2], to: [batch, dirs, hidden])
        cArr = cArr.permuted(cArr.shape, [1, 0, 2], to: [batch, dirs, hidden])
    }
    return cell == .lstm ? [yArr, hArr, cArr] : [yArr, hArr]
}

func registerRecurrent(_ k: inout [String: Kernel]) {
    k["RNN"] = { ctx in try recurrent(ctx, .rnn) }
    k["GRU"] = { ctx in try recurrent(ctx, .gru) }
    k["LSTM"] = { ctx in try recurrent(ctx, .lstm) }
}
