import Foundation
import Runtime

// Conv (stride, padding, dilation, groups, depthwise) and ConvTranspose: im2col (Tensors) + sgemm
// per image and group, images spread over the cores with one weight-gradient buffer each.

func registerConvRules(_ t: inout [String: BackwardRule]) {
    t["Conv"] = BackwardRule(differentiable: [0, 1, 2], savesInputs: [0, 1]) { try convBackward($0, transposed: false) }
    t["ConvTranspose"] = BackwardRule(differentiable: [0, 1, 2], savesInputs: [0, 1]) { try convBackward($0, transposed: true) }
}

/// A mutable pointer shared by workers that write disjoint ranges.
struct SharedPointer: @unchecked Sendable {
    let p: UnsafeMutablePointer<Float>
}

/// Per-thread partial sums (weight gradients), added up after the workers finish.
final class PartialSums: @unchecked Sendable {
    private var parts: [Int: [Float]] = [:]
    private let lock = NSLock()
    func add(_ p: [Float], part: Int) { lock.lock(); parts[part] = p; lock.unlock() }
    /// The sum in part order (the same order every run).
    func total(count: Int) -> [Float] {
        var s = [Float](repeating: 0, count: count)
        for key in parts.keys.sorted() { let p = parts[key]!; for i in 0..<count { s[i] += p[i] } }
        return s
    }
}

/// Runs `body(range)` over `n` items split into one contiguous range per core.
func parallelRanges(_ n: Int, minItems: Int = 2, parallel: Bool = true, _ body: @Sendable (Range<Int>, Int) -> Void) -> Int {
    let parts = parallel && n >= minItems ? min(CPUThreading.cores, n) : 1
    if parts == 1 { body(0..<n, 0); return 1 }
    DispatchQueue.concurrentPerform(iterations: parts) { p in body((n * p / parts)..<(n * (p + 1) / parts), p) }
    return parts
}

private func convBackward(_ ctx: RuleContext, transposed: Bool) throws -> [NDArray?] {
    let x = try ctx.input(0), w = try ctx.input(1), g = try ctx.grad()
    guard x.rank >= 3, w.rank == x.rank, g.rank == x.rank else { throw ctx.fail("X \(x.shape), W \(w.shape): need N×C×spatial") }
    let groups = ctx.int("group", 1)
    let N = x.shape[0], C = x.shape[1], M = g.shape[1]
    guard groups >= 1, C % groups == 0, M % groups == 0 else { throw ctx.fail("group \(groups) does not divide the channels") }
    let Cg = C / groups, Mg = M / groups
    let kernel = Array(w.shape.dropFirst(2)), k = kernel.reduce(1, *)
    // Conv unfolds X with im2col (windows = Y's positions); ConvTranspose unfolds dY (windows = X's).
    let xs = Array(x.shape.dropFirst(2)), ys = Array(g.shape.dropFirst(2))
    let (h, wa) = try windowAxes(ctx, image: transposed ? ys : xs, windows: transposed ? xs : ys, kernel: kernel, transposed: transposed)
    let X = x.f, Wt = w.f, G = g.f
    let HWx = xs.reduce(1, *), HWy = ys.reduce(1, *)
    let rows = (transposed ? Mg : Cg) * k, cols = transposed ? HWx : HWy
    // Gradients nobody reads are skipped (the others come out exactly as with all three).
    let wantX = ctx.wants(0), wantW = ctx.wants(1)
    var dx = [Float](repeating: 0, count: wantX ? x.count : 1)
    let wcount = wantW ? w.count : 0
    let partials = PartialSums()
    X.withUnsafeBufferPointer { XP in Wt.withUnsafeBufferPointer { WP in G.withUnsafeBufferPointer { GP in
        dx.withUnsafeMutableBufferPointer { DXP in
            let xp = UnsafeSendable(XP.baseAddress!), wp = UnsafeSendable(WP.baseAddress!), gp = UnsafeSendable(GP.baseAddress!)
            let dxp = SharedPointer(p: DXP.baseAddress!)
            if !wantX && !wantW { return }
            _ = parallelRanges(N, parallel: ctx.parallel) { range, part in
                var dw = [Float](repeating: 0, count: max(wcount, 1))
                var col = [Float](repeating: 0, count: rows * cols)
                col.withUnsafeMutableBufferPointer { CP in dw.withUnsafeMutableBufferPointer { DW in
                    let cb = CP.baseAddress!
                    for n in range {
                        for gi in 0..<groups {
                            let xg = xp.p + (n * C + gi * Cg) * HWx, dxg = dxp.p + (n * C + gi * Cg) * HWx
                            let yg = gp.p + (n * M + gi * Mg) * HWy
                            if !transposed {
                                let wg = wp.p + gi * Mg * Cg * k, dwg = DW.baseAddress! + gi * Mg * Cg * k
                                if wantW {
                                    im2col(xg, channels: Cg, h, wa, cb, ld: h.output * wa.output)
                                    sgemm(false, true, Mg, rows, cols, 1, yg, cols, cb, cols, 1, dwg, rows, parallel: false)
                                }
                                if wantX {
                                    sgemm(true, false, rows, cols, Mg, 1, wg, rows, yg, cols, 0, cb, cols, parallel: false)
                                    fold(cb, channels: Cg, h, wa, dxg)
                                }
                            } else {
                                let wg = wp.p + gi * Cg * Mg * k, dwg = DW.baseAddress! + gi * Cg * Mg * k
                                im2col(yg, channels: Mg, h, wa, cb, ld: h.output * wa.output)
                                if wantX { sgemm(false, false, Cg, cols, rows, 1, wg, rows, cb, cols, 0, dxg, cols, parallel: false) }
                                if wantW { sgemm(false, true, Cg, rows, cols, 1, xg, cols, cb, cols, 1, dwg, rows, parallel: false) }
                            }
                        }
                    }
                } }
                partials.add(dw, part: part)
            }
        }
    } } }
    let dw = partials.total(count: wcount)
    var res: [NDArray?] = [wantX ? NDArray(shape: x.shape, floats: dx) : nil, wantW ? NDArray(shape: w.shape, floats: dw) : nil]
    if ctx.inputShapes.count > 2, let bs = ctx.inputShapes[2], ctx.wants(2) {
        var db = [Float](repeating: 0, count: M)
        for n in 0..<N { for m in 0..<M {
            var s: Float = 0
            let base = (n * M + m) * HWy
            for i in 0..<HWy { s += G[base + i] }
            db[m] += s
        } }
        res.append(NDArray(shape: bs, floats: db))
    }
    return res
}
