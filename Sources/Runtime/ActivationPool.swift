import Foundation

/// Large float activations kept between nodes and runs of one session, reused by size.
///
/// glibc maps blocks of 32 MB and more with `mmap` and unmaps them on `free` (see
/// `HeapPolicy`), so without this every batch of a 224×224 model page-faults and the kernel
/// zero-fills its largest activations again. The executor hands each node-produced float
/// value of at least `minimum` floats (4 MB by default) to the pool after its last consumer; kernels that
/// write a whole output (Conv and its fused chains) take their output array from it. A
/// taken array may still be shared (a caller kept a copy): writing through it then copies
/// (Swift's copy-on-write), so reuse never changes a value someone else holds.
///
/// Steady state: the same buffers cycle through the same nodes batch after batch; the pool
/// keeps at most `limit` floats (over it, the arrays given longest ago are dropped: in a
/// run where other kernels allocate fresh outputs, those are the surplus).
final class ActivationPool: @unchecked Sendable {
    /// Smallest array worth pooling by default (4 MB): glibc reuses smaller blocks itself.
    static let defaultMinimum = 1 << 20
    /// Smallest array (floats) kept and handed out.
    let minimum: Int
    private let limit: Int
    private let lock = NSLock()
    private var free: [[Float]] = []

    init(minimum: Int = ActivationPool.defaultMinimum, limit: Int = 128 << 20) {
        self.minimum = max(1, minimum)
        self.limit = limit
    }

    /// Floats currently held (for tests).
    var heldFloats: Int {
        lock.lock(); defer { lock.unlock() }
        return free.reduce(0) { $0 + $1.capacity }
    }

    /// Keeps `array` for a later `take` (small arrays are not kept).
    func give(_ array: [Float]) {
        guard array.capacity >= minimum else { return }
        lock.lock(); defer { lock.unlock() }
        free.append(array)
        var total = free.reduce(0) { $0 + $1.capacity }
        while total > limit, let first = free.first {   // the longest unused go first
            total -= first.capacity
            free.removeFirst()
        }
    }

    /// An array of exactly `count` floats with unspecified contents, from the pool when an
    /// array of capacity between `count` and 2·`count` is free (best fit), else nil.
    func take(_ count: Int) -> [Float]? {
        guard count >= minimum else { return nil }
        lock.lock()
        var best: Int? = nil
        for (i, a) in free.enumerated() where a.capacity >= count && a.capacity <= 2 * count {
            if best == nil || a.capacity < free[best!].capacity { best = i }
        }
        var a = best.map { free.remove(at: $0) }
        lock.unlock()
        guard a != nil else { return nil }
        if a!.count > count {
            a!.removeLast(a!.count - count)
        } else if a!.count < count {
            a!.append(contentsOf: repeatElement(0, count: count - a!.count))
        }
        return a
    }

}

/// An array of `count` floats filled by `body` (which must write every element), its memory
/// from `pool` when one fits there.
@inline(__always)
func newFloats(_ pool: ActivationPool?, _ count: Int, _ body: (UnsafeMutablePointer<Float>) -> Void) -> [Float] {
    if var a = pool?.take(count) {
        a.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
        return a
    }
    return [Float](unsafeUninitializedCapacity: count) { buf, c in
        if count > 0 { body(buf.baseAddress!) }
        c = count
    }
}
