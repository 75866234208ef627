import Foundation
import Runtime

// Unary element-wise operators: dX = dY · f'(x) (or f' written through y).

/// A rule for y = f(x) whose derivative reads x (and y when `output`).
private func unary(input: Bool, output: Bool,
                   _ d: @escaping @Sendable (RuleContext) throws -> (@Sendable (Float, Float) -> Float)) -> BackwardRule {
    BackwardRule(differentiable: [0], savesInputs: input ? [0] : [], savesOutputs: output ? [0] : []) { ctx in
        let g = try ctx.grad().f
        let x = input ? try ctx.input(0).f : []
        let y = output ? try ctx.output(0).f : []
        let fp = try d(ctx)
        var dx = [Float](repeating: 0, count: g.count)
        for i in 0..<g.count { dx[i] = g[i] * fp(input ? x[i] : 0, output ? y[i] : 0) }
        return [NDArray(shape: try ctx.shape(0), floats: dx)]
    }
}

func registerElementwiseRules(_ t: inout [String: BackwardRule]) {
    // Relu written out (the hottest unary rule while training): dY · (y > 0 ? 1 : 0), the
    // same products as the generic rule (a zero keeps dY's sign; NaN/∞ · 0 stays NaN).
    t["Relu"] = BackwardRule(differentiable: [0], savesOutputs: [0]) { ctx in
        let g = try ctx.grad().f, y = try ctx.output(0).f
        guard g.count == y.count else { throw ctx.fail("dY has \(g.count) elements, Y \(y.count)") }
        var dx = [Float](repeating: 0, count: g.count)
        g.withUnsafeBufferPointer { gp in y.withUnsafeBufferPointer { yp in dx.withUnsafeMutableBufferPointer { dp in
            for i in 0..<dp.count { dp[i] = gp[i] * (yp[i] > 0 ? 1 : 0) }
        } } }
        return [NDArray(shape: try ctx.shape(0), floats: dx)]
    }
    t["LeakyRelu"] = unary(input: true, output: false) { c in
        let a = c.float("alpha", 0.01)
        return { x, _ in x > 0 ? 1 : a }
    }
    t["Sigmoid"] = unary(input: false, output: true) { _ in { _, y in y * (1 - y) } }
    t["Tanh"] = unary(input: false, output: true) { _ in { _, y in 1 - y * y } }
    t["HardSigmoid"] = unary(input: true, output: false) { c in
        let a = c.float("alpha", 0.2), b = c.float("beta", 0.5)
        return { x, _ in let v = a * x + b; return v > 0 && v < 1 ? a : 0 }
    }
    t["HardSwish"] = unary(input: true, output: false) { _ in { x, _ in
        if x < -3 { return 0 }
        if x > 3 { return 1 }
        return (2 * x + 3) / 6
    } }
    t["Erf"] = unary(input: true, output: false) { _ in { x, _ in Float(2 / Double.pi.squareRoot()) * Foundation.exp(-x * x) } }
    t["Gelu"] = unary(input: true, output: false) { c in
        let tanhApprox = c.string("approximate", "none") == "tanh"
        return { x, _ in geluDerivative(x, tanh: tanhApprox) }
    }
    t["Sqrt"] = unary(input: false, output: true) { _ in { _, y in 0.5 / y } }
    t["Exp"] = unary(input: false, output: true) { _ in { _, y in y } }
    t["Log"] = unary(input: true, output: false) { _ in { x, _ in 1 / x } }
    t["Neg"] = unary(input: false, output: false) { _ in { _, _ in -1 } }
    t["Abs"] = unary(input: true, output: false) { _ in { x, _ in x > 0 ? 1 : (x < 0 ? -1 : 0) } }
    t["Reciprocal"] = unary(input: false, output: true) { _ in { _, y in -y * y } }
    t["Softplus"] = unary(input: true, output: false) { _ in { x, _ in 1 / (1 + Foundation.exp(-x)) } }
    // Straight-through estimator of binary networks (BinaryConnect/BNN): the gradient of
    // sign(x) is taken as that of hardtanh(x), i.e. passed where |x| ≤ 1.
    t["Sign"] = unary(input: true, output: false) { _ in { x, _ in abs(x) <= 1 ? 1 : 0 } }
    t["Clip"] = BackwardRule(differentiable: [0], savesInputs: [0, 1, 2]) { ctx in
        let g = try ctx.grad().f, x = try ctx.input(0).f
        var lo = -Float.infinity, hi = Float.infinity
        if ctx.inputs.count > 1, let m = ctx.inputs[1] { lo = m.f[0] } else if let m = ctx.node.attribute("min")?.f { lo = m }
        if ctx.inputs.count > 2, let m = ctx.inputs[2] { hi = m.f[0] } else if let m = ctx.node.attribute("max")?.f { hi = m }
        var dx = [Float](repeating: 0, count: g.count)
        for i in 0..<g.count where x[i] >= lo && x[i] <= hi { dx[i] = g[i] }
        return [NDArray(shape: try ctx.shape(0), floats: dx)]
    }
    let pass = BackwardRule(differentiable: [0]) { ctx in [NDArray(shape: try ctx.shape(0), floats: try ctx.grad().f)] }
    t["Identity"] = pass
    t["Dropout"] = BackwardRule(differentiable: [0], trainingForward: dropoutForward) { ctx in
        let g = try ctx.grad().f
        guard let mask = ctx.aux.first?.f else { return [NDArray(shape: try ctx.shape(0), floats: g)] }
        var dx = g
        for i in 0..<dx.count { dx[i] *= mask[i] }
        return [NDArray(shape: try ctx.shape(0), floats: dx)]
    }
}

private func geluDerivative(_ x: Float, tanh tanhApprox: Bool) -> Float {
    let xd = Double(x)
    if tanhApprox {
        let k = (2 / Double.pi).squareRoot()
        let u = k * (xd + 0.044715 * xd * xd * xd)
        let t = Foundation.tanh(u)
        let du = k * (1 + 3 * 0.044715 * xd * xd)
        return Float(0.5 * (1 + t) + 0.5 * xd * (1 - t * t) * du)
    }
    let cdf = 0.5 * (1 + Foundation.erf(xd / 2.0.squareRoot()))
    let pdf = Foundation.exp(-0.5 * xd * xd) / (2 * Double.pi).squareRoot()
    return Float(cdf + xd * pdf)
}

/// Dropout while training: zero each element with probability `ratio`, scale the rest by
/// 1/(1 − ratio); the mask is kept for the backward pass. Seeded per node and step.
@Sendable private func dropoutForward(_ ctx: ForwardContext) throws -> ForwardResult {
    guard let x = ctx.inputs.first ?? nil else { throw ctx.fail("input 0 is required") }
    var ratio = ctx.float("ratio", 0.5)
    if ctx.inputs.count > 1, let r = ctx.inputs[1] { ratio = r.f.first ?? ratio }
    if ctx.inputs.count > 2, let tm = ctx.inputs[2], !(tm.bools.first ?? false) && ctx.opset >= 12 { ratio = 0 }
    guard ratio >= 0 && ratio < 1 else { throw ctx.fail("ratio \(ratio) must be in [0, 1)") }
    let xv = x.f
    var rng = SplitMix(seed: ctx.seed)
    let scale = 1 / (1 - ratio)
    var mask = [Float](repeating: 0, count: xv.count)
    var y = [Float](repeating: 0, count: xv.count)
    for i in 0..<xv.count where rng.nextUnit() >= Double(ratio) {
        mask[i] = scale
        y[i] = xv[i] * scale
    }
    var outs = [NDArray(shape: x.shape, floats: y)]
    if ctx.node.outputs.count > 1 && !ctx.node.outputs[1].isEmpty {
        outs.append(NDArray(shape: x.shape, bools: mask.map { $0 != 0 }))
    }
    return ForwardResult(outputs: outs, aux: [NDArray(shape: x.shape, floats: mask)])
}
