import Foundation

/// Large float activations kept between nodes and runs of one session, reused by size.
///
/// glibc maps blocks of 32 MB and more with `mmap` and unmaps them on `free` (see
/// `HeapPolicy`), so without this every batch of a 224×224 model page-faults and the kernel
/// zero-fills its largest activations again. The executor hands each node-produced float
/// value of at least `minimum` floats to the pool after its last consumer; kernels that
/// write a whole output (Conv and its fused chains) take their output array from it. A
/// taken array may still be shared (a caller kept a copy): writing through it then copies
/// (Swift's copy-on-write), so reuse never changes a value someone else holds.
///
/// Steady state: the same buffers cycle through the same nodes batch after batch; the pool
/// keeps at most `limit` floats (the largest arrays are dropped first when over).
final class ActivationPool: @unchecked Sendable {
    /// Smallest array worth pooling (4 MB): smaller blocks glibc keeps reusing by itself.
    static let minimum = 1 << 20
    private let limit: Int
    private let lock = NSLock()
    private var free: [[Float]] = []

    init(limit: Int = 128 << 20) { self.limit = limit }

    /// Floats currently held (for tests).
    var heldFloats: Int {
        lock.lock(); defer { lock.unlock() }
        return free.reduce(0) { $0 + $1.capacity }
    }

    /// Keeps `array` for a later `take` (small arrays are not kept).
    func give(_ array: [Float]) {
        guard array.capacity >= Self.minimum else { return }
        lock.lock(); defer { lock.unlock() }
        free.append(array)
        var total = free.reduce(0) { $0 + $1.capacity }
        while total > limit, let j = free.indices.max(by: { free[$0].capacity < free[$1].capacity }) {
            total -= free[j].capacity
            free.remove(at: j)
        }
    }

    /// An array of exactly `count` floats with unspecified contents, from the pool when an
    /// array of capacity between `count` and 2·`count` is free (best fit), else nil.
    func take(_ count: Int) -> [Float]? {
        guard count >= Self.minimum else { return nil }
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

    /// An array of `count` floats filled by `body` (which must write every element), its
    /// memory from the pool when one fits.
    func floats(_ count: Int, _ body: (UnsafeMutablePointer<Float>) -> Void) -> [Float] {
        if var a = take(count) {
            a.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
            return a
        }
        return [Float](unsafeUninitializedCapacity: count) { buf, c in
            body(buf.baseAddress!)
            c = count
        }
    }
}
