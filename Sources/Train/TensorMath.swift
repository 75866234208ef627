import Foundation
import Tensors

// Small dense helpers the backward rules share: strides, broadcasting, sgemm.

func stridesOf(_ shape: [Int]) -> [Int] {
    var s = [Int](repeating: 1, count: shape.count)
    var acc = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) { s[i] = acc; acc *= shape[i] }
    return s
}

/// Sums `g` (of shape `gShape`) over the axes broadcasting added or stretched, giving `shape`.
func unbroadcast(_ g: [Float], from gShape: [Int], to shape: [Int]) -> [Float] {
    if gShape == shape { return g }
    let n = shape.reduce(1, *)
    let r = gShape.count
    let padded = [Int](repeating: 1, count: r - shape.count) + shape
    // Target strides (0 on broadcast axes).
    let ts = stridesOf(padded)
    var tstr = [Int](repeating: 0, count: r)
    for i in 0..<r where padded[i] != 1 || gShape[i] == 1 { tstr[i] = ts[i] }
    var out = [Float](repeating: 0, count: n)
    let inner = gShape.last ?? 1
    let innerStride = tstr.last ?? 0
    var idx = [Int](repeating: 0, count: max(r - 1, 0))
    let outer = g.count / max(inner, 1)
    g.withUnsafeBufferPointer { gp in out.withUnsafeMutableBufferPointer { op in
        var base = 0
        for o in 0..<outer {
            let src = o * inner
            if innerStride == 0 {
                var s: Float = 0
                for j in 0..<inner { s += gp[src + j] }
                op[base] += s
            } else {
                for j in 0..<inner { op[base + j] += gp[src + j] }
            }
            // Advance the outer multi-index.
            var d = r - 2
            while d >= 0 {
                idx[d] += 1
                base += tstr[d]
                if idx[d] < gShape[d] { break }
                base -= tstr[d] * gShape[d]
                idx[d] = 0
                d -= 1
            }
        }
    } }
    return out
}

/// `a` (shape `shape`) repeated along broadcast axes to `out`.
func expand(_ a: [Float], _ shape: [Int], to out: [Int]) -> [Float] {
    if shape == out { return a }
    let r = out.count
    let padded = [Int](repeating: 1, count: r - shape.count) + shape
    let ps = stridesOf(padded)
    var st = [Int](repeating: 0, count: r)
    for i in 0..<r where padded[i] != 1 { st[i] = ps[i] }
    let n = out.reduce(1, *)
    var res = [Float](repeating: 0, count: n)
    if n == 0 { return res }
    var idx = [Int](repeating: 0, count: r)
    var base = 0
    for k in 0..<n {
        res[k] = a[base]
        var d = r - 1
        while d >= 0 {
            idx[d] += 1
            base += st[d]
            if idx[d] < out[d] { break }
            base -= st[d] * out[d]
            idx[d] = 0
            d -= 1
        }
    }
    return res
}

func broadcastShapes(_ a: [Int], _ b: [Int]) -> [Int] {
    let r = max(a.count, b.count)
    let pa = [Int](repeating: 1, count: r - a.count) + a
    let pb = [Int](repeating: 1, count: r - b.count) + b
    return zip(pa, pb).map { $0 == 1 ? $1 : $0 }
}

/// C = alpha·op(A)·op(B) + beta·C, row-major; splits the rows of C over the cores when large.
func sgemm(_ transA: Bool, _ transB: Bool, _ M: Int, _ N: Int, _ K: Int, _ alpha: Float,
           _ A: UnsafePointer<Float>, _ lda: Int, _ B: UnsafePointer<Float>, _ ldb: Int,
           _ beta: Float, _ C: UnsafeMutablePointer<Float>, _ ldc: Int, parallel: Bool = true) {
    if M == 0 || N == 0 { return }
    let parts = parallel && M * N * K >= 1 << 18 && M >= 2 ? min(CPUThreading.cores, M) : 1
    if parts <= 1 {
        BLAS.sgemm(transA: transA, transB: transB, m: M, n: N, k: K, alpha: alpha, a: A, lda: lda, b: B, ldb: ldb, beta: beta, c: C, ldc: ldc)
        return
    }
    let a = UnsafeSendable(A), b = UnsafeSendable(B), c = UnsafeSendable(UnsafePointer(C))
    DispatchQueue.concurrentPerform(iterations: parts) { p in
        let lo = M * p / parts, hi = M * (p + 1) / parts
        if hi <= lo { return }
        let ap = transA ? a.p + lo : a.p + lo * lda
        BLAS.sgemm(transA: transA, transB: transB, m: hi - lo, n: N, k: K, alpha: alpha, a: ap, lda: lda, b: b.p, ldb: ldb,
                   beta: beta, c: UnsafeMutablePointer(mutating: c.p + lo * ldc), ldc: ldc)
    }
}

/// A pointer handed to worker threads that write disjoint parts of it.
struct UnsafeSendable<T>: @unchecked Sendable {
    let p: UnsafePointer<T>
    init(_ p: UnsafePointer<T>) { self.p = p }
}

extension NDArray {
    /// The float elements (float arrays only; other types converted).
    var f: [Float] {
        if case .float(let v) = storage { return v }
        return floats
    }
}

extension Dictionary where Key == String, Value == NDArray {
    /// Changes the float elements of `name` in place (taken out of the table while `body`
    /// runs, so an array nothing else holds is not copied); false when there is no `name`.
    @discardableResult
    package mutating func updateFloats(_ name: String, _ body: (inout [Float]) -> Void) -> Bool {
        guard var a = removeValue(forKey: name) else { return false }
        var v: [Float]
        if case .float(let x) = a.storage { v = x } else { v = a.floats }
        a.storage = .float([])
        body(&v)
        a.storage = .float(v)
        self[name] = a
        return true
    }
}
