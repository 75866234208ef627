import ONNXIO
import Runtime

// Flatten, Reshape, Squeeze, Unsqueeze, Transpose, Expand, Slice, Gather, Concat, Split,
// ReduceSum, ReduceMean, Cast.

func registerShapeRules(_ t: inout [String: BackwardRule]) {
    let reshape = BackwardRule(differentiable: [0]) { ctx in [try ctx.grad().reshaped(try ctx.shape(0))] }
    for op in ["Flatten", "Reshape", "Squeeze", "Unsqueeze"] { t[op] = reshape }
    t["Cast"] = BackwardRule(differentiable: [0]) { ctx in [try ctx.grad().reshaped(try ctx.shape(0))] }
    // Data movement: run the forward kernel on the flat positions of the input; each output
    // element then names the input element it came from.
    for op in ["Transpose", "Slice", "Gather", "Expand", "Tile"] {
        t[op] = BackwardRule(differentiable: [0], savesInputs: [1, 2, 3, 4], backward: indexMapBackward)
    }
    t["Concat"] = BackwardRule(differentiable: Set(0..<64), backward: concatBackward)
    t["Split"] = BackwardRule(differentiable: [0], backward: splitBackward)
    t["ReduceSum"] = BackwardRule(differentiable: [0], savesInputs: [1]) { try reduceBackward($0, mean: false) }
    t["ReduceMean"] = BackwardRule(differentiable: [0], savesInputs: [1]) { try reduceBackward($0, mean: true) }
}

@Sendable private func indexMapBackward(_ ctx: RuleContext) throws -> [NDArray?] {
    let shape = try ctx.shape(0), g = try ctx.grad()
    let n = shape.reduce(1, *)
    var args = ctx.inputs
    args[0] = NDArray(shape: shape, int64s: (0..<Int64(n)).map { $0 })
    let map = try NodeKernels.run(ctx.node, name: ctx.name, inputs: args, opset: ctx.opset)[0].int64s
    let gv = g.f
    guard map.count == gv.count else { throw ctx.fail("index map has \(map.count) elements, gradient \(gv.count)") }
    var dx = [Float](repeating: 0, count: n)
    for k in 0..<gv.count { dx[Int(map[k])] += gv[k] }
    return [NDArray(shape: shape, floats: dx)]
}

@Sendable private func concatBackward(_ ctx: RuleContext) throws -> [NDArray?] {
    let g = try ctx.grad(), gv = g.f
    let a = try ctx.axis(ctx.int("axis", 0), rank: g.rank)
    let outer = g.shape[..<a].reduce(1, *), inner = g.shape[(a + 1)...].reduce(1, *)
    let total = g.shape[a]
    var offset = 0
    var res: [NDArray?] = []
    for s in ctx.inputShapes {
        guard let s else { res.append(nil); continue }
        let len = s[a]
        var d = [Float](repeating: 0, count: s.reduce(1, *))
        for o in 0..<outer {
            let src = (o * total + offset) * inner, dst = o * len * inner
            for j in 0..<(len * inner) { d[dst + j] = gv[src + j] }
        }
        offset += len
        res.append(NDArray(shape: s, floats: d))
    }
    return res
}

@Sendable private func splitBackward(_ ctx: RuleContext) throws -> [NDArray?] {
    let shape = try ctx.shape(0)
    let a = try ctx.axis(ctx.int("axis", 0), rank: shape.count)
    let outer = shape[..<a].reduce(1, *), inner = shape[(a + 1)...].reduce(1, *)
    var dx = [Float](repeating: 0, count: shape.reduce(1, *))
    var offset = 0
    for (i, os) in ctx.outputShapes.enumerated() {
        let len = os[a]
        if i < ctx.gradOutputs.count, let g = ctx.gradOutputs[i] {
            let gv = g.f
            for o in 0..<outer {
                let dst = (o * shape[a] + offset) * inner, src = o * len * inner
                for j in 0..<(len * inner) { dx[dst + j] = gv[src + j] }
            }
        }
        offset += len
    }
    return [NDArray(shape: shape, floats: dx)]
}

@Sendable private func reduceBackward(_ ctx: RuleContext, mean: Bool) throws -> [NDArray?] {
    let shape = try ctx.shape(0), g = try ctx.grad()
    let attrAxes = ctx.ints("axes")
    let inputAxes = ctx.inputs.count > 1 ? ctx.inputs[1]?.int64s.map { Int($0) } : nil
    var axes = attrAxes ?? inputAxes ?? []
    if axes.isEmpty {
        if ctx.int("noop_with_empty_axes", 0) != 0 { return [g.reshaped(shape)] }
        axes = Array(0..<shape.count)
    }
    axes = try axes.map { try ctx.axis($0, rank: shape.count) }
    var kept = shape
    var count = 1
    for a in Set(axes) { count *= shape[a]; kept[a] = 1 }
    var d = expand(g.f, kept, to: shape)
    if mean { let s = 1 / Float(count); for i in 0..<d.count { d[i] *= s } }
    return [NDArray(shape: shape, floats: d)]
}
