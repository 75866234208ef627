// Runtime builds on the tensor layer: `import Runtime` also brings NDArray, the data-file
// readers and the shared kernels' helpers of Tensors.
@_exported import Tensors

/// The CPU threading policy of the kernels (defined in Tensors, shared with Prune and Train).
public typealias RuntimeThreading = CPUThreading

/// C[m×n] = alpha·op(A)·op(B) + beta·C (float32, row-major), through `BLAS.sgemm`.
@inline(__always)
func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
           a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
           beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    BLAS.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
               beta: beta, c: c, ldc: ldc)
}
