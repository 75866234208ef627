import ONNXIO

// Linear quantization: QuantizeLinear, DequantizeLinear (per tensor, per axis, blocked;
// integer and float8 types), DynamicQuantizeLinear, MatMulInteger, QLinearMatMul,
// ConvInteger, QLinearConv. The quantized type comes from the node's declared types.

/// The range a quantized integer type saturates to.
func quantRange(_ t: DataType?) -> (Float, Float) {
    switch t?.rawValue ?? 2 {
    case 3: return (-128, 127)
    case 4: return (0, 65535)
    case 5: return (-32768, 32767)
    case 6: return (-2_147_483_648, 2_147_483_647)
    case 21: return (0, 15)
    case 22: return (-8, 7)
    default: return (0, 255)
    }
}

/// For each element of `shape`, the index of its scale/zero point: per tensor (scalar),
/// per `axis` (1-D) or blocked (same rank, `axis` divided by `block`).
private func paramIndex(_ ctx: NodeContext, shape: [Int], param: NDArray, axis a: Int, block: Int) throws -> [Int] {
    let n = shape.reduce(1, *)
    if param.count == 1 { return [Int](repeating: 0, count: n) }
    let axis = try ctx.axis(a, rank: shape.count)
    let v = AxisView(shape, axis)
    if param.rank <= 1 {
        guard param.count == v.length else { throw ctx.fail("scale has \(param.count) values for axis \(axis) of size \(v.length)") }
        return (0..<n).map { ($0 / v.inner) % v.length }
    }
    guard param.rank == shape.count, block > 0 else { throw ctx.fail("a blocked scale needs block_size > 0 and the input's rank") }
    let ps = contiguousStrides(param.shape), xs = contiguousStrides(shape)
    return (0..<n).map { p in
        var q = 0
        for d in 0..<shape.count {
            let c = (p / xs[d]) % shape[d]
            q += (d == axis ? c / block : c) * ps[d]
        }
        return q
    }
}

/// `v` rounded (half to even) and saturated to the quantized type, or rounded to float8.
private func quantize(_ v: Float, _ t: DataType?, saturate: Bool) -> Float {
    if let f = t.flatMap(MiniFloat.init) { return f.round(v, saturate: saturate) }
    let (lo, hi) = quantRange(t)
    return min(max(v.rounded(.toNearestOrEven), lo), hi)
}

private func quantized(_ v: [Float], shape: [Int], _ t: DataType?) -> NDArray {
    if t.flatMap(MiniFloat.init) != nil { return NDArray(shape: shape, floats: v) }
    return NDArray(shape: shape, int64s: v.map { Int64($0) })
}

func registerTypedQuantization(_ k: inout [String: @Sendable (NodeTypes) -> Kernel]) {
    k["QuantizeLinear"] = { t in
        { ctx in
            let x = try ctx.input(0), scale = try ctx.input(1)
            let zp = ctx.optionalInput(2)
            let block = ctx.int("block_size", 0), axis = ctx.int("axis", 1)
            let si = try paramIndex(ctx, shape: x.shape, param: scale, axis: axis, block: block)
            let s = scale.floats, z = zp?.floats, f = x.floats
            let sat = ctx.int("saturate", 1) != 0
            let float8 = t.output(0).flatMap(MiniFloat.init) != nil
            let out = (0..<f.count).map { i in
                quantize((float8 ? f[i] / s[si[i]] : (f[i] / s[si[i]]).rounded(.toNearestOrEven)) + (z?[si[i]] ?? 0), t.output(0), saturate: sat)
            }
            return [quantized(out, shape: x.shape, t.output(0))]
        }
    }
    k["QLinearMatMul"] = { t in
        { ctx in
            let a = try ctx.input(0), b = try ctx.input(3)
            let az = try ctx.input(2).floats, bz = try ctx.input(5).floats
            let (acc, shape) = try integerMatMul(ctx, a.floats, a.shape, b.floats, b.shape, aZero: az, bZero: bz)
            let m = try ctx.input(1).floats[0] * ctx.input(4).floats[0] / ctx.input(6).floats[0]
            let yz = try ctx.input(7).floats[0]
            return [quantized(acc.map { quantize(($0 * m).rounded(.toNearestOrEven) + yz, t.output(0), saturate: true) }, shape: shape, t.output(0))]
        }
    }
    k["QLinearConv"] = { t in
        { ctx in
            let ws = try ctx.input(4).floats, xs = try ctx.input(1).floats[0], ys = try ctx.input(6).floats[0]
            let yz = try ctx.input(7).floats[0]
            var acc = try integerConv(ctx, x: 0, w: 3, xZero: 2, wZero: 5)
            let oc = acc.shape[1], inner = acc.count / max(acc.shape[0] * oc, 1)
            let bias = ctx.optionalInput(8)?.floats
            var v = acc.floats
            for p in 0..<v.count {
                let c = (p / inner) % oc
                v[p] = quantize((v[p] + (bias?[c] ?? 0)) * xs * ws[ws.count == 1 ? 0 : c] / ys + yz, t.output(0), saturate: true)
            }
            acc = quantized(v, shape: acc.shape, t.output(0))
            return [acc]
        }
    }
}

/// (A − a0)·(B − b0) with NumPy batch broadcasting; a0 per row of A or scalar, b0 per column of B or scalar.
private func integerMatMul(_ ctx: NodeContext, _ a: [Float], _ ash: [Int], _ b: [Float], _ bsh: [Int],
                           aZero: [Float], bZero: [Float]) throws -> ([Float], [Int]) {
    let ash2 = ash.count == 1 ? [1] + ash : ash, bsh2 = bsh.count == 1 ? bsh + [1] : bsh
    let m = ash2[ash2.count - 2], kk = ash2[ash2.count - 1], n = bsh2[bsh2.count - 1]
    guard bsh2[bsh2.count - 2] == kk, let batch = broadcastShape(Array(ash2.dropLast(2)), Array(bsh2.dropLast(2))) else {
        throw ctx.fail("cannot multiply \(ash) by \(bsh)")
    }
    let aB = broadcastTo(a, ash2, batch + [m, kk]), bB = broadcastTo(b, bsh2, batch + [kk, n])
    let count = batch.reduce(1, *)
    var out = [Float](repeating: 0, count: count * m * n)
    for q in 0..<count {
        for i in 0..<m {
            let az = aZero.count == 1 ? aZero[0] : aZero[i % aZero.count]
            for j in 0..<n {
                let bz = bZero.count == 1 ? bZero[0] : bZero[j % bZero.count]
                var s: Float = 0
                for l in 0..<kk { s += (aB[(q * m + i) * kk + l] - az) * (bB[(q * kk + l) * n + j] - bz) }
                out[(q * m + i) * n + j] = s
            }
        }
    }
    var shape = batch + [m, n]
    if ash.count == 1 { shape.remove(at: shape.count - 2) }
    if bsh.count == 1 { shape.removeLast() }
    return (out, shape)
}

/// Conv of (x − x0) with (w − w0) through the float Conv kernel (exact for 8-bit data).
private func integerConv(_ ctx: NodeContext, x: Int, w: Int, xZero: Int, wZero: Int) throws -> NDArray {
    let xa = try ctx.input(x), wa = try ctx.input(w)
    let xz = ctx.optionalInput(xZero)?.floats.first ?? 0
    let wz = ctx.optionalInput(wZero)?.floats ?? [0]
    let perChannel = wa.count / max(wa.shape.first ?? 1, 1)
    let wf = wa.floats.enumerated().map { $1 - wz[wz.count == 1 ? 0 : $0 / perChannel] }
    let inputs: [NDArray?] = [NDArray(shape: xa.shape, floats: xa.floats.map { $0 - xz }), NDArray(shape: wa.shape, floats: wf)]
    let c = NodeContext(node: ctx.node, name: ctx.name, op: "Conv", inputs: inputs, opset: ctx.opset, options: ctx.options)
    guard let conv = Registry.kernels["Conv"] else { throw ctx.fail("no Conv kernel") }
    let r = try conv(c)[0]
    return NDArray(shape: r.shape, floats: r.floats.map { $0.rounded() })
}

func registerQuantization(_ k: inout [String: Kernel]) {
    k["DequantizeLinear"] = { ctx in
        let x = try ctx.input(0), scale = try ctx.input(1)
        let zp = ctx.optionalInput(2)
        let si = try paramIndex(ctx, shape: x.shape, param: scale, axis: ctx.int("axis", 1), block: ctx.int("block_size", 0))
        let s = scale.floats, z = zp?.floats, f = x.floats
        return [NDArray(shape: x.shape, floats: (0..<f.count).map { i in (f[i] - (z?[si[i]] ?? 0)) * s[si[i]] })]
    }
    k["DynamicQuantizeLinear"] = { ctx in
        let x = try ctx.floats(0)
        let lo = min(0, x.min() ?? 0), hi = max(0, x.max() ?? 0)
        let scale = (hi - lo) / 255
        let zp = scale == 0 ? 0 : min(max((-lo / scale).rounded(.toNearestOrEven), 0), 255)
        let y = x.map { scale == 0 ? zp : min(max(($0 / scale).rounded(.toNearestOrEven) + zp, 0), 255) }
        return [NDArray(shape: try ctx.input(0).shape, int64s: y.map { Int64($0) }), NDArray(scalar: scale), NDArray(scalar: Int64(zp))]
    }
    k["MatMulInteger"] = { ctx in
        let a = try ctx.input(0), b = try ctx.input(1)
        let (r, shape) = try integerMatMul(ctx, a.floats, a.shape, b.floats, b.shape,
                                           aZero: ctx.optionalInput(2)?.floats ?? [0], bZero: ctx.optionalInput(3)?.floats ?? [0])
        return [NDArray(shape: shape, int64s: r.map { Int64($0) })]
    }
    k["ConvInteger"] = { ctx in [try integerConv(ctx, x: 0, w: 1, xZero: 2, wZero: 3).cast(to: .int64)] }
}
