import Runtime

// Gemm and MatMul (2-D and batched with broadcasting), through sgemm.

func registerLinearRules(_ t: inout [String: BackwardRule]) {
    t["Gemm"] = BackwardRule(differentiable: [0, 1, 2], savesInputs: [0, 1], backward: gemmBackward)
    t["MatMul"] = BackwardRule(differentiable: [0, 1], savesInputs: [0, 1], backward: matmulBackward)
}

@Sendable private func gemmBackward(_ ctx: RuleContext) throws -> [NDArray?] {
    let a = try ctx.input(0), b = try ctx.input(1), g = try ctx.grad()
    guard a.rank == 2, b.rank == 2, g.rank == 2 else { throw ctx.fail("A and B must be 2-D, got \(a.shape) and \(b.shape)") }
    let ta = ctx.int("transA", 0) != 0, tb = ctx.int("transB", 0) != 0
    let alpha = ctx.float("alpha", 1), beta = ctx.float("beta", 1)
    let M = g.shape[0], N = g.shape[1], K = ta ? a.shape[0] : a.shape[1]
    let lda = a.shape[1], ldb = b.shape[1]
    let av = a.f, bv = b.f, gv = g.f
    // Gradients nobody reads are skipped (the others come out exactly as with all three).
    let wantA = ctx.wants(0), wantB = ctx.wants(1)
    var da = [Float](repeating: 0, count: wantA ? a.count : 0), db = [Float](repeating: 0, count: wantB ? b.count : 0)
    gv.withUnsafeBufferPointer { G in av.withUnsafeBufferPointer { A in bv.withUnsafeBufferPointer { B in
        if wantA { da.withUnsafeMutableBufferPointer { DA in
            if !ta { sgemm(false, !tb, M, K, N, alpha, G.baseAddress!, N, B.baseAddress!, ldb, 0, DA.baseAddress!, K, parallel: ctx.parallel) }
            else { sgemm(tb, true, K, M, N, alpha, B.baseAddress!, ldb, G.baseAddress!, N, 0, DA.baseAddress!, M, parallel: ctx.parallel) }
        } }
        if wantB { db.withUnsafeMutableBufferPointer { DB in
            if !tb { sgemm(!ta, false, K, N, M, alpha, A.baseAddress!, lda, G.baseAddress!, N, 0, DB.baseAddress!, N, parallel: ctx.parallel) }
            else { sgemm(true, ta, N, K, M, alpha, G.baseAddress!, N, A.baseAddress!, lda, 0, DB.baseAddress!, K, parallel: ctx.parallel) }
        } }
    } } }
    var res: [NDArray?] = [wantA ? NDArray(shape: a.shape, floats: da) : nil, wantB ? NDArray(shape: b.shape, floats: db) : nil]
    if let cs = ctx.inputShapes.count > 2 ? ctx.inputShapes[2] : nil, ctx.wants(2) {
        var dc = unbroadcast(gv, from: g.shape, to: cs)
        if beta != 1 { for i in 0..<dc.count { dc[i] *= beta } }
        res.append(NDArray(shape: cs, floats: dc))
    }
    return res
}

@Sendable private func matmulBackward(_ ctx: RuleContext) throws -> [NDArray?] {
    let a = try ctx.input(0), b = try ctx.input(1), g = try ctx.grad()
    guard a.rank >= 1, b.rank >= 1 else { throw ctx.fail("scalar operands are not allowed") }
    // Rank-1 operands as matrices: a row vector on the left, a column vector on the right.
    let sa = a.rank == 1 ? [1, a.shape[0]] : a.shape
    let sb = b.rank == 1 ? [b.shape[0], 1] : b.shape
    let M = sa[sa.count - 2], K = sa[sa.count - 1], N = sb[sb.count - 1]
    guard sb[sb.count - 2] == K else { throw ctx.fail("inner dimensions differ: \(a.shape) × \(b.shape)") }
    let batchA = Array(sa.dropLast(2)), batchB = Array(sb.dropLast(2))
    let batch = broadcastShapes(batchA, batchB)
    let nb = batch.reduce(1, *)
    let ae = expand(a.f, sa, to: batch + [M, K]), be = expand(b.f, sb, to: batch + [K, N])
    let gv = g.f
    var da = [Float](repeating: 0, count: nb * M * K), db = [Float](repeating: 0, count: nb * K * N)
    gv.withUnsafeBufferPointer { G in ae.withUnsafeBufferPointer { A in be.withUnsafeBufferPointer { B in
        da.withUnsafeMutableBufferPointer { DA in db.withUnsafeMutableBufferPointer { DB in
            for i in 0..<nb {
                let gp = G.baseAddress! + i * M * N
                sgemm(false, true, M, K, N, 1, gp, N, B.baseAddress! + i * K * N, N, 0, DA.baseAddress! + i * M * K, K, parallel: ctx.parallel)
                sgemm(true, false, K, N, M, 1, A.baseAddress! + i * M * K, K, gp, N, 0, DB.baseAddress! + i * K * N, N, parallel: ctx.parallel)
            }
        } }
    } } }
    let ga = unbroadcast(da, from: batch + [M, K], to: sa)
    let gb = unbroadcast(db, from: batch + [K, N], to: sb)
    return [NDArray(shape: a.shape, floats: ga), NDArray(shape: b.shape, floats: gb)]
}
