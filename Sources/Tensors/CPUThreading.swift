import Dispatch

/// How kernels use the CPU cores.
///
/// OpenBLAS runs single-threaded: every kernel splits its own work into contiguous chunks
/// over the cores (`chunks`), so OpenBLAS's spinning worker threads never compete with
/// ours (that contention cost 2–10× on a loaded 2-core machine). Every BLAS call goes
/// through `BLAS`, which applies this policy before its first call.
public enum CPUThreading {
    /// Cores to use: OpenBLAS's thread count at start-up (OPENBLAS_NUM_THREADS or the
    /// CPU count), read once; OpenBLAS itself is then set to one thread.
    public static let cores: Int = {
        let n = max(1, BLAS.threads)
        BLAS.setThreads(1)
        return n
    }()

    /// Ends OpenBLAS's worker threads after `cores` has set OpenBLAS to one thread (so they
    /// would never be used). OpenBLAS starts them when the library loads, and each spins on
    /// `sched_yield` for about 0.1 s (2^28 cycles) before it sleeps: for a job of a few
    /// hundred milliseconds on two threads of its own (a codec encode or decode), that spin
    /// takes a share of a core at the start. Process-wide, like `HeapPolicy`.
    public static func endBLASThreads() {
        _ = cores
        BLAS.endThreads()
    }

    /// Runs `body(i)` for i in 0..<n, over the cores when `parallel` is on (items are
    /// grouped into one contiguous chunk per core).
    package static func forEachItem(_ n: Int, parallel: Bool, blas: Bool = false, _ body: (Int) -> Void) {
        chunks(n, parallel: parallel) { r in for i in r { body(i) } }
    }

    /// Contiguous ranges per core `chunks` aims at: more than one, so that a thread the
    /// scheduler delays (a loaded machine) holds up little work; the others take the rest.
    package static let piecesPerCore = 4

    /// Splits 0..<n into up to `piecesPerCore × cores` contiguous ranges of at least
    /// `minChunk` items and runs `body` on each, concurrently when `parallel` is on.
    package static func chunks(_ n: Int, parallel: Bool, minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        if n <= 0 { return }
        let k = parallel && cores > 1 ? min(cores * piecesPerCore, max(1, n / max(1, minChunk))) : 1
        if k <= 1 { body(0..<n); return }
        withoutActuallyEscaping(body) { b in
            // The chunks write disjoint memory; the closure only lives for this call.
            let s = unsafeBitCast(b, to: (@Sendable (Range<Int>) -> Void).self)
            DispatchQueue.concurrentPerform(iterations: k) { c in
                s((c * n / k)..<((c + 1) * n / k))
            }
        }
    }
}
