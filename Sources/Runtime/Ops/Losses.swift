#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Loss operators: NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss.

/// NLL of log-probabilities `x` ([N, C, d…]) at class `target` ([N, d…]), optionally
/// weighted per class, reduced by "none", "sum" or "mean" (weighted mean).
private func nll(_ ctx: NodeContext, _ x: [Float], _ shape: [Int], _ target: [Int64], _ weight: [Float]?) throws -> NDArray {
    guard shape.count >= 2 else { throw ctx.fail("input must be [N, C, ...], got \(shape)") }
    let n = shape[0], c = shape[1], inner = shape[2...].reduce(1, *)
    guard target.count == n * inner else { throw ctx.fail("target has \(target.count) elements for input \(shape)") }
    let ignore: Int64? = ctx.has("ignore_index") ? Int64(ctx.int("ignore_index", 0)) : nil
    var loss = [Float](repeating: 0, count: n * inner)
    var wsum: Float = 0
    for b in 0..<n {
        for i in 0..<inner {
            let t = target[b * inner + i]
            if t == ignore { continue }
            guard t >= 0 && t < c else { throw ctx.fail("target \(t) is outside 0..<\(c)") }
            let w = weight?[Int(t)] ?? 1
            loss[b * inner + i] = -x[(b * c + Int(t)) * inner + i] * w
            wsum += w
        }
    }
    var outShape = [n]
    outShape += shape[2...]
    switch ctx.string("reduction", "mean") {
    case "none": return NDArray(shape: outShape, floats: loss)
    case "sum": return NDArray(scalar: loss.reduce(0, +))
    default: return NDArray(scalar: wsum == 0 ? 0 : loss.reduce(0, +) / wsum)
    }
}

func registerLosses(_ k: inout [String: Kernel]) {
    k["NegativeLogLikelihoodLoss"] = { ctx in
        let x = try ctx.input(0)
        return [try nll(ctx, x.floats, x.shape, try ctx.input(1).int64s, ctx.optionalInput(2)?.floats)]
    }
    k["SoftmaxCrossEntropyLoss"] = { ctx in
        let x = try ctx.input(0)
        guard x.rank >= 2 else { throw ctx.fail("scores must be [N, C, ...], got \(x.shape)") }
        let v = AxisView(x.shape, 1)
        let f = x.floats
        var logp = [Float](repeating: 0, count: f.count)
        for o in 0..<v.outer {
            for i in 0..<v.inner {
                var m = -Float.infinity
                for j in 0..<v.length { m = max(m, f[v.at(o, j, i)]) }
                var s: Float = 0
                for j in 0..<v.length { s += expf(f[v.at(o, j, i)] - m) }
                let l = m + logf(s)
                for j in 0..<v.length { logp[v.at(o, j, i)] = f[v.at(o, j, i)] - l }
            }
        }
        let loss = try nll(ctx, logp, x.shape, try ctx.input(1).int64s, ctx.optionalInput(2)?.floats)
        return [loss, NDArray(shape: x.shape, floats: logp)]
    }
}
