private import CHeap

/// How a process running sessions keeps the memory of freed activations for the next run.
///
/// A run frees each intermediate after its last consumer, and the next allocation (later in
/// the run, or in the next batch) reuses it — unless glibc served the block with `mmap`:
/// blocks ≥ 32 MB always are (and smaller ones until its threshold adapts), and `free`
/// unmaps them, so every batch page-faults and zero-fills its activations again (MobileNetV2
/// at batch 16: 1.3–1.8× the throughput without that, see docs/benchmarks.md). At the first
/// `Session` the process switches glibc to heap-only blocks with no trimming: freed memory
/// stays mapped for reuse (the process keeps its peak footprint). Through the CHeap shim;
/// a no-op where `M_MMAP_MAX` is not defined.
enum HeapPolicy {
    static let configured: Bool = {
        cheap_keep_freed_memory()
        return true
    }()
}
