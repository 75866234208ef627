#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// BatchNormalization (inference), LayerNormalization, InstanceNormalization, Softmax, LogSoftmax.

private func softmax(_ ctx: NodeContext, log: Bool) throws -> [NDArray] {
    let x = try ctx.input(0)
    let xv = try ctx.floats(0)
    if x.rank == 0 { return [NDArray(shape: [], floats: [log ? 0 : 1])] }
    let axis = try ctx.axis(ctx.int("axis", ctx.opset >= 13 ? -1 : 1), rank: x.rank)
    // Before opset 13 the input is coerced to 2-D at `axis`; from 13 on it is one axis.
    let outer: Int, dim: Int, inner: Int
    if ctx.opset >= 13 {
        outer = x.shape[..<axis].reduce(1, *); dim = x.shape[axis]; inner = x.shape[(axis + 1)...].reduce(1, *)
    } else {
        outer = x.shape[..<axis].reduce(1, *); dim = x.shape[axis...].reduce(1, *); inner = 1
    }
    var out = [Float](repeating: 0, count: xv.count)
    xv.withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { o in
        for a in 0..<outer {
            for b in 0..<inner {
                let base = a * dim * inner + b
                var m = -Float.infinity
                for j in 0..<dim { m = max(m, p[base + j * inner]) }
                var s: Float = 0
                for j in 0..<dim {
                    let e = expf(p[base + j * inner] - m)
                    o[base + j * inner] = e
                    s += e
                }
                if log {
                    let ls = logf(s)
                    for j in 0..<dim { o[base + j * inner] = p[base + j * inner] - m - ls }
                } else {
                    let inv = 1 / s
                    for j in 0..<dim { o[base + j * inner] *= inv }
                }
            }
        }
    } }
    return [NDArray(shape: x.shape, floats: out)]
}

func registerNormalization(_ k: inout [String: Kernel]) {
    k["Softmax"] = { ctx in try softmax(ctx, log: false) }
    k["LogSoftmax"] = { ctx in try softmax(ctx, log: true) }

    k["BatchNormalization"] = { ctx in try batchNormalization(ctx, activation: .identity) }

    k["LayerNormalization"] = { ctx in
        let x = try ctx.input(0)
        let xv = try ctx.floats(0)
        let axis = try ctx.axis(ctx.int("axis", -1), rank: x.rank)
        let eps = ctx.float("epsilon", 1e-5)
        let outer = x.shape[..<axis].reduce(1, *), D = x.shape[axis...].reduce(1, *)
        let scaleA = try ctx.input(1)
        let scale = broadcastTo(scaleA.floats, scaleA.shape, Array(x.shape[axis...]))
        let bias: [Float]? = ctx.optionalInput(2).map { broadcastTo($0.floats, $0.shape, Array(x.shape[axis...])) }
        var out = [Float](repeating: 0, count: xv.count)
        var means = [Float](repeating: 0, count: outer), invStd = [Float](repeating: 0, count: outer)
        xv.withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { o in
            for r in 0..<outer {
                let base = r * D
                var s: Float = 0
                for i in 0..<D { s += p[base + i] }
                let m = s / Float(D)
                var v: Float = 0
                for i in 0..<D { let d = p[base + i] - m; v += d * d }
                let inv = 1 / sqrtf(v / Float(D) + eps)
                means[r] = m; invStd[r] = inv
                if let bias {
                    for i in 0..<D { o[base + i] = (p[base + i] - m) * inv * scale[i] + bias[i] }
                } else {
                    for i in 0..<D { o[base + i] = (p[base + i] - m) * inv * scale[i] }
                }
            }
        } }
        let statShape = Array(x.shape[..<axis]) + [Int](repeating: 1, count: x.rank - axis)
        return [NDArray(shape: x.shape, floats: out), NDArray(shape: statShape, floats: means), NDArray(shape: statShape, floats: invStd)]
    }

    k["InstanceNormalization"] = { ctx in
        let x = try ctx.input(0)
        let xv = try ctx.floats(0), scale = try ctx.floats(1), bias = try ctx.floats(2)
        let eps = ctx.float("epsilon", 1e-5)
        let C = x.shape[1], S = x.shape.dropFirst(2).reduce(1, *)
        var out = [Float](repeating: 0, count: xv.count)
        for plane in 0..<(x.shape[0] * C) {
            let c = plane % C, base = plane * S
            var s: Float = 0
            for i in 0..<S { s += xv[base + i] }
            let m = s / Float(S)
            var v: Float = 0
            for i in 0..<S { let d = xv[base + i] - m; v += d * d }
            let inv = 1 / sqrtf(v / Float(S) + eps)
            for i in 0..<S { out[base + i] = (xv[base + i] - m) * inv * scale[c] + bias[c] }
        }
        return [NDArray(shape: x.shape, floats: out)]
    }
}
