// Gemm and MatMul via sgemm (Tensors’ BLAS).

/// `sgemm` split into one row (or column) block per core when the product is large enough.
func sgemmParallel(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                   a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                   beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, parallel: Bool) {
    if !parallel || RuntimeThreading.cores < 2 || m * n * k < 1 << 17 {
        sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        return
    }
    if m >= n {
        // Blocks of 16 rows keep the kernels' row tiles whole.
        let blocks = (m + 15) / 16
        RuntimeThreading.chunks(blocks, parallel: true, minChunk: max(1, blocks / RuntimeThreading.cores)) { r in
            let i0 = r.lowerBound * 16, i1 = min(m, r.upperBound * 16)
            sgemm(transA: transA, transB: transB, m: i1 - i0, n: n, k: k, alpha: alpha, a: transA ? a + i0 : a + i0 * lda, lda: lda,
                  b: b, ldb: ldb, beta: beta, c: c + i0 * ldc, ldc: ldc)
        }
    } else {
        let blocks = (n + 15) / 16
        RuntimeThreading.chunks(blocks, parallel: true, minChunk: max(1, blocks / RuntimeThreading.cores)) { r in
            let j0 = r.lowerBound * 16, j1 = min(n, r.upperBound * 16)
            sgemm(transA: transA, transB: transB, m: m, n: j1 - j0, k: k, alpha: alpha, a: a, lda: lda,
                  b: transB ? b + j0 * ldb : b + j0, ldb: ldb, beta: beta, c: c + j0, ldc: ldc)
        }
    }
}

func registerLinear(_ k: inout [String: Kernel]) {
    k["Gemm"] = { ctx in
        let a = try ctx.input(0), b = try ctx.input(1)
        guard a.rank == 2, b.rank == 2 else { throw ctx.fail("A and B must be 2-D, got \(a.shape) and \(b.shape)") }
        let ta = ctx.int("transA", 0) != 0, tb = ctx.int("transB", 0) != 0
        let alpha = ctx.float("alpha", 1), beta = ctx.float("beta", 1)
        let m = ta ? a.shape[1] : a.shape[0], kk = ta ? a.shape[0] : a.shape[1]
        let n = tb ? b.shape[0] : b.shape[1], kb = tb ? b.shape[1] : b.shape[0]
        guard kk == kb else { throw ctx.fail("inner dimensions differ: A \(a.shape) (transA=\(ta)), B \(b.shape) (transB=\(tb))") }
        let av = try ctx.floats(0), bv = try ctx.floats(1)
        var out: [Float]
        var useBeta: Float = 0
        if let c = ctx.optionalInput(2), beta != 0 {
            guard case .float(let cv) = c.storage else { throw ctx.fail("C must be float") }
            guard let s = broadcastShape(c.shape, [m, n]), s == [m, n] else {
                throw ctx.fail("C of shape \(c.shape) does not broadcast to [\(m), \(n)]")
            }
            out = broadcastTo(cv, c.shape, [m, n])
            useBeta = beta
        } else {
            out = [Float](repeating: 0, count: m * n)
        }
        av.withUnsafeBufferPointer { pa in bv.withUnsafeBufferPointer { pb in out.withUnsafeMutableBufferPointer { pc in
            sgemmParallel(transA: ta, transB: tb, m: m, n: n, k: kk, alpha: alpha, a: pa.baseAddress!, lda: a.shape[1],
                          b: pb.baseAddress!, ldb: b.shape[1], beta: useBeta, c: pc.baseAddress!, ldc: n, parallel: ctx.options.parallel)
        } } }
        return [NDArray(shape: [m, n], floats: out)]
    }
    k["MatMul"] = { ctx in
        let a = try ctx.input(0), b = try ctx.input(1)
        return [try matmul(ctx, a, b)]
    }
}

func matmul(_ ctx: NodeContext, _ a: NDArray, _ b: NDArray) throws -> NDArray {
    guard case .float(let av) = a.storage, case .float(let bv) = b.storage else {
        throw ctx.fail("only float32 inputs are supported, got \(a.elementType) and \(b.elementType)")
    }
    guard a.rank >= 1, b.rank >= 1 else { throw ctx.fail("inputs must not be scalars") }
    let ash = a.rank == 1 ? [1, a.shape[0]] : a.shape
    let bsh = b.rank == 1 ? [b.shape[0], 1] : b.shape
    let m = ash[ash.count - 2], kk = ash[ash.count - 1]
    let kb = bsh[bsh.count - 2], n = bsh[bsh.count - 1]
    guard kk == kb else { throw ctx.fail("inner dimensions differ: \(a.shape) × \(b.shape)") }
    let abatch = Array(ash.dropLast(2)), bbatch = Array(bsh.dropLast(2))
    guard let batch = broadcastShape(abatch, bbatch) else {
        throw ctx.fail("batch dimensions do not broadcast: \(a.shape) × \(b.shape)")
    }
    var outShape = batch + [m, n]
    let nb = batch.reduce(1, *)
    var out = [Float](repeating: 0, count: nb * m * n)
    if bbatch.reduce(1, *) == 1 && abatch == batch {
        // Fold A's batch into M: one GEMM.
        av.withUnsafeBufferPointer { pa in bv.withUnsafeBufferPointer { pb in out.withUnsafeMutableBufferPointer { pc in
            sgemmParallel(transA: false, transB: false, m: nb * m, n: n, k: kk, alpha: 1, a: pa.baseAddress!, lda: kk,
                          b: pb.baseAddress!, ldb: n, beta: 0, c: pc.baseAddress!, ldc: n, parallel: ctx.options.parallel)
        } } }
    } else {
        let sa = broadcastStrides(abatch, to: batch), sb = broadcastStrides(bbatch, to: batch)
        let cs = contiguousStrides(batch)
        av.withUnsafeBufferPointer { pa in bv.withUnsafeBufferPointer { pb in out.withUnsafeMutableBufferPointer { pc in
            let pa = pa, pb = pb, pc = pc
            RuntimeThreading.chunks(nb, parallel: ctx.options.parallel && nb * m * n * kk >= 1 << 16) { range in for i in range {
                var oa = 0, ob = 0, r = i
                for d in 0..<batch.count {
                    let idx = r / cs[d]
                    r -= idx * cs[d]
                    oa += idx * sa[d]
                    ob += idx * sb[d]
                }
                sgemm(transA: false, transB: false, m: m, n: n, k: kk, alpha: 1, a: pa.baseAddress! + oa * m * kk, lda: kk,
                      b: pb.baseAddress! + ob * kk * n, ldb: n, beta: 0, c: pc.baseAddress! + i * m * n, ldc: n)
            } }
        } } }
    }
    if a.rank == 1 { outShape.remove(at: outShape.count - 2) }
    if b.rank == 1 { outShape.removeLast() }
    return NDArray(shape: outShape, floats: out)
}
