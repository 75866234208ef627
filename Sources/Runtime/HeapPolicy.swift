private import CHeap

/// How a process running sessions keeps the memory of freed activations for the next run.
///
/// A run frees each intermediate after its last consumer, and the next allocation (later in
/// the run, or in the next batch) reuses it — unless glibc served the block with `mmap`,
/// which it does above an adaptive threshold (128 KB at first), unmapping it on `free`, so
/// the next batch page-faults and zero-fills it again. At the first `Session` the process
/// fixes that threshold at 32 MB (the largest glibc accepts) and turns off trimming of the
/// heap: blocks below 32 MB are reused without new pages (the process keeps its peak
/// footprint). Blocks of 32 MB and more are still mapped per allocation. Making glibc never
/// use `mmap` (`M_MMAP_MAX` 0) was tried and rejected: tiny_bert ran 0.15–0.6× as fast.
/// Through the CHeap shim; a no-op where `M_MMAP_THRESHOLD` is not defined.
public enum HeapPolicy {
    static let configured: Bool = {
        cheap_keep_freed_memory()
        return true
    }()

    /// Applies the policy now (once per process): for jobs that allocate and free buffers of
    /// a tensor's size per tensor, such as `encode` and `decode` (on VGG-16 the encode's sys
    /// time halves: page faults and zero-fills of fresh mappings).
    public static func keepFreedMemory() { _ = configured }
}
