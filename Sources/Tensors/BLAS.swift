internal import COpenBLAS

/// Dense linear algebra through OpenBLAS: the only file of Tensors (and of the packages
/// above it) that calls BLAS or LAPACK. Matrices are row-major unless a function says
/// otherwise. OpenBLAS runs single-threaded (`CPUThreading` sets it); callers split work
/// over the cores themselves.
package enum BLAS {
    /// C[m×n] = alpha·op(A)·op(B) + beta·C in float32, leading dimensions from the stored layout.
    @inline(__always)
    package static func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                              a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                              beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        if !transA && !transB && m * n * k <= 32 * 32 * 32 {
            // Small products: a plain loop beats the BLAS call overhead.
            for i in 0..<m {
                let ci = c + i * ldc
                if beta == 0 {
                    ci.update(repeating: 0, count: n)
                } else if beta != 1 {
                    for j in 0..<n { ci[j] *= beta }
                }
                let ai = a + i * lda
                for p in 0..<k {
                    let av = alpha * ai[p]
                    let bp = b + p * ldb
                    for j in 0..<n { ci[j] += av * bp[j] }
                }
            }
            return
        }
        _ = CPUThreading.cores
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// C[m×n] = alpha·op(A)·op(B) + beta·C in float64.
    package static func dgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                              a: UnsafePointer<Double>?, lda: Int, b: UnsafePointer<Double>?, ldb: Int,
                              beta: Double, c: UnsafeMutablePointer<Double>?, ldc: Int) {
        _ = CPUThreading.cores
        cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// The upper triangle of C[n×n] += Aᵀ·A for A[k×n] (float64).
    package static func dsyrkUpperAtA(n: Int, k: Int, a: UnsafePointer<Double>?, lda: Int,
                                      c: UnsafeMutablePointer<Double>?, ldc: Int) {
        _ = CPUThreading.cores
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, blasint(n), blasint(k), 1, a, blasint(lda), 1, c, blasint(ldc))
    }

    /// y = A·x for symmetric A[n×n] stored in its upper triangle (float64).
    package static func dsymvUpper(n: Int, a: UnsafePointer<Double>?, lda: Int, x: UnsafePointer<Double>?,
                                   y: UnsafeMutablePointer<Double>?) {
        _ = CPUThreading.cores
        cblas_dsymv(CblasRowMajor, CblasUpper, blasint(n), 1, a, blasint(lda), x, 1, 0, y, 1)
    }

    /// Solves H·X = B for symmetric positive definite H[q×q] (column-major, lower triangle
    /// used) and B[q×nrhs] column-major, in place (LAPACK dposv). Returns LAPACK's info (0: solved).
    package static func posvLower(_ h: UnsafeMutablePointer<Double>?, _ b: UnsafeMutablePointer<Double>?, q: Int, nrhs: Int) -> Int {
        var n = Int32(q), k = Int32(nrhs), lda = Int32(q), ldb = Int32(q), info: Int32 = 0
        var uplo = CChar(UInt8(ascii: "L"))
        _ = CPUThreading.cores
        dposv_(&uplo, &n, &k, h, &lda, b, &ldb, &info)
        return Int(info)
    }

    /// Inverts symmetric positive definite P[n×n] (column-major lower triangle) in place
    /// (LAPACK dpotrf then dpotri). Returns LAPACK's info (0: inverted).
    package static func invertLower(_ p: UnsafeMutablePointer<Double>?, n: Int) -> Int {
        var n32 = Int32(n), info: Int32 = 0
        var uplo = CChar(UInt8(ascii: "L"))
        _ = CPUThreading.cores
        dpotrf_(&uplo, &n32, p, &n32, &info)
        if info == 0 { dpotri_(&uplo, &n32, p, &n32, &info) }
        return Int(info)
    }

    /// OpenBLAS's own thread count (OPENBLAS_NUM_THREADS or the CPU count).
    static var threads: Int { Int(openblas_get_num_threads()) }

    /// Sets OpenBLAS's thread count.
    static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(n)) }

    /// Ends OpenBLAS's worker threads (OpenBLAS starts them again when a call needs them).
    static func endThreads() { _ = blas_thread_shutdown_() }
}
