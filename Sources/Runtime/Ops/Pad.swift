import ONNXIO

// The Pad operator (constant, reflect, edge and wrap modes).

let padKernels: [String: Kernel] = [
    "Pad": padKernel,
]

private func padKernel(_ ctx: NodeContext) throws -> [NDArray] {
    let x = try ctx.input(0)
    let r = x.rank
    let mode = ctx.string("mode", "constant")
    var padsRaw: [Int]
    var cval = NDArray(scalar: Float(0)).cast(to: x.elementType)
    if ctx.inputCount >= 2 || ctx.opset >= 11 {
        padsRaw = try ctx.input(1).int64s.map { Int($0) }
        if let c = ctx.optionalInput(2) { cval = c.cast(to: x.elementType) }
    } else {
        padsRaw = ctx.ints("pads") ?? []
        cval = NDArray(scalar: ctx.float("value", 0)).cast(to: x.elementType)
    }
    var pads = [Int](repeating: 0, count: 2 * r)
    if let a = ctx.optionalInput(3) {
        let axes = try a.int64s.map { try ctx.axis(Int($0), rank: r) }
        guard padsRaw.count == 2 * axes.count else { throw ctx.fail("pads has \(padsRaw.count) values for \(axes.count) axes") }
        for (i, ax) in axes.enumerated() { pads[ax] = padsRaw[i]; pads[ax + r] = padsRaw[i + axes.count] }
    } else {
        guard padsRaw.count == 2 * r else { throw ctx.fail("pads has \(padsRaw.count) values for rank \(r)") }
        pads = padsRaw
    }
    let outShape = (0..<r).map { x.shape[$0] + pads[$0] + pads[$0 + r] }
    guard outShape.allSatisfy({ $0 >= 0 }) else { throw ctx.fail("negative output shape \(outShape)") }
    guard ["constant", "reflect", "edge", "wrap"].contains(mode) else { throw ctx.fail("unknown mode '\(mode)'") }
    // Source index per output position and axis (-1: constant).
    var maps: [[Int]] = []
    for d in 0..<r {
        let n = x.shape[d]
        maps.append((0..<outShape[d]).map { o in
            let i = o - pads[d]
            if i >= 0 && i < n { return i }
            switch mode {
            case "edge": return n == 0 ? -1 : min(max(i, 0), n - 1)
            case "wrap": return n == 0 ? -1 : ((i % n) + n) % n
            case "reflect":
                if n <= 1 { return n == 1 ? 0 : -1 }
                let period = 2 * (n - 1)
                var j = ((i % period) + period) % period
                if j >= n { j = period - j }
                return j
            default: return -1
            }
        })
    }
    let cs = contiguousStrides(x.shape)
    let total = outShape.reduce(1, *)
    var src = [Int](repeating: -1, count: total)
    var idx = [Int](repeating: 0, count: r)
    for o in 0..<total {
        var off = 0
        for d in 0..<r {
            let m = maps[d][idx[d]]
            if m < 0 { off = -1; break }
            off += m * cs[d]
        }
        src[o] = off
        var d = r - 1
        while d >= 0 { idx[d] += 1; if idx[d] < outShape[d] { break }; idx[d] = 0; d -= 1 }
    }
    func fill<T>(_ v: [T], _ c: T) -> [T] { src.map { $0 < 0 ? c : v[$0] } }
    switch x.storage {
    case .float(let v): return [NDArray(shape: outShape, floats: fill(v, cval.floats[0]))]
    case .int64(let v): return [NDArray(shape: outShape, int64s: fill(v, cval.int64s[0]))]
    case .bool(let v): return [NDArray(shape: outShape, bools: fill(v, cval.bools[0]))]
    }
}
