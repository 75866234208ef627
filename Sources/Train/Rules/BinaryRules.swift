import Foundation
import Runtime

// Broadcasting binary operators: each input's gradient is summed over the axes it was
// broadcast along.

/// A rule for y = f(a, b): `da(a, b, y)` and `db(a, b, y)` are the partial derivatives.
private func binary(saveA: Bool, saveB: Bool, saveY: Bool,
                    da: @escaping @Sendable (Float, Float, Float) -> Float,
                    db: @escaping @Sendable (Float, Float, Float) -> Float) -> BackwardRule {
    BackwardRule(differentiable: [0, 1], savesInputs: Set((saveA ? [0] : []) + (saveB ? [1] : [])),
                 savesOutputs: saveY ? [0] : []) { ctx in
        let g = try ctx.grad()
        let sa = try ctx.shape(0), sb = try ctx.shape(1)
        let out = g.shape
        let a = saveA ? expand(try ctx.input(0).f, sa, to: out) : []
        let b = saveB ? expand(try ctx.input(1).f, sb, to: out) : []
        let y = saveY ? try ctx.output(0).f : []
        let gv = g.f
        var ga = [Float](repeating: 0, count: gv.count), gb = ga
        for i in 0..<gv.count {
            let av = saveA ? a[i] : 0, bv = saveB ? b[i] : 0, yv = saveY ? y[i] : 0
            ga[i] = gv[i] * da(av, bv, yv)
            gb[i] = gv[i] * db(av, bv, yv)
        }
        return [NDArray(shape: sa, floats: unbroadcast(ga, from: out, to: sa)),
                NDArray(shape: sb, floats: unbroadcast(gb, from: out, to: sb))]
    }
}

func registerBinaryRules(_ t: inout [String: BackwardRule]) {
    t["Add"] = BackwardRule(differentiable: [0, 1]) { ctx in
        let g = try ctx.grad()
        let sa = try ctx.shape(0), sb = try ctx.shape(1)
        return [NDArray(shape: sa, floats: unbroadcast(g.f, from: g.shape, to: sa)),
                NDArray(shape: sb, floats: unbroadcast(g.f, from: g.shape, to: sb))]
    }
    t["Sub"] = BackwardRule(differentiable: [0, 1]) { ctx in
        let g = try ctx.grad()
        let sa = try ctx.shape(0), sb = try ctx.shape(1)
        return [NDArray(shape: sa, floats: unbroadcast(g.f, from: g.shape, to: sa)),
                NDArray(shape: sb, floats: unbroadcast(g.f.map { -$0 }, from: g.shape, to: sb))]
    }
    t["Mul"] = binary(saveA: true, saveB: true, saveY: false, da: { _, b, _ in b }, db: { a, _, _ in a })
    t["Div"] = binary(saveA: false, saveB: true, saveY: true, da: { _, b, _ in 1 / b }, db: { _, b, y in -y / b })
    t["Pow"] = binary(saveA: true, saveB: true, saveY: true,
                      da: { a, b, _ in b == 0 ? 0 : b * Foundation.pow(a, b - 1) },
                      db: { a, _, y in a > 0 ? y * Foundation.log(a) : 0 })
}
