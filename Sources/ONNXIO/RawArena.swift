#if canImport(Glibc)
import Glibc
#endif

/// Owns the C heap blocks of a message tree built for packing, and keeps the tensor
/// payloads the tree points at alive; everything is released together.
final class RawArena {
    private var blocks: [UnsafeMutableRawPointer] = []
    private var kept: [TensorBytes] = []

    deinit { for b in blocks { free(b) } }

    /// `bytes` zeroed bytes (at least one, so that the address is never null).
    func alloc(_ bytes: Int) -> UnsafeMutableRawPointer {
        let p = calloc(1, max(bytes, 1))!
        blocks.append(p)
        return p
    }

    /// The values copied into a block; nil for none.
    func copy<T>(_ values: [T]) -> UnsafeMutableRawPointer? {
        guard !values.isEmpty else { return nil }
        let p = alloc(values.count * MemoryLayout<T>.stride)
        p.bindMemory(to: T.self, capacity: values.count).initialize(from: values, count: values.count)
        return p
    }

    /// A NUL-terminated copy of `s`.
    func cString(_ s: String) -> UnsafeMutableRawPointer {
        let p = UnsafeMutableRawPointer(strdup(s)!)
        blocks.append(p)
        return p
    }

    /// The payload's address, valid while the arena lives (no copy); nil when empty.
    func keep(_ t: TensorBytes) -> UnsafeMutableRawPointer? {
        kept.append(t)
        return t.count > 0 ? t.storage.base : nil
    }
}
