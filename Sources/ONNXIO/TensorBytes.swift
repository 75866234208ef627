/// An immutable, contiguous run of bytes with a stable address: the payload of a tensor.
///
/// The storage is a class so that the address stays put while the protobuf writer points
/// at it, and so that a freshly parsed message can hand its buffer over without a copy.
/// Copies of a `TensorBytes` share the storage; nothing mutates it after creation.
public struct TensorBytes: Sendable, Equatable, Hashable {
    final class Storage: @unchecked Sendable {
        let base: UnsafeMutableRawPointer?
        let count: Int
        private let release: (@Sendable (UnsafeMutableRawPointer) -> Void)?
        /// Set for bytes mapped from a file: their pages can be dropped and read again.
        let fileBacked: Bool

        init(base: UnsafeMutableRawPointer?, count: Int, release: (@Sendable (UnsafeMutableRawPointer) -> Void)?,
             fileBacked: Bool = false) {
            self.base = base
            self.count = count
            self.release = release
            self.fileBacked = fileBacked
        }

        deinit {
            if let base, let release { release(base) }
        }
    }

    let storage: Storage

    private init(storage: Storage) { self.storage = storage }

    /// An empty payload.
    public init() {
        self.init(storage: Storage(base: nil, count: 0, release: nil))
    }

    /// Copies `bytes`.
    public init<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        let n = bytes.count
        guard n > 0 else { self.init(); return }
        let p = UnsafeMutableRawPointer.allocate(byteCount: n, alignment: 16)
        let buffer = UnsafeMutableRawBufferPointer(start: p, count: n)
        _ = buffer.copyBytes(from: bytes)
        self.init(storage: Storage(base: p, count: n, release: { $0.deallocate() }))
    }

    /// Copies the bytes of a raw buffer.
    public init(copying raw: UnsafeRawBufferPointer) {
        guard raw.count > 0, let src = raw.baseAddress else { self.init(); return }
        let p = UnsafeMutableRawPointer.allocate(byteCount: raw.count, alignment: 16)
        p.copyMemory(from: src, byteCount: raw.count)
        self.init(storage: Storage(base: p, count: raw.count, release: { $0.deallocate() }))
    }

    /// Copies the memory of an array of trivial values (floats, integers).
    public init<T: BitwiseCopyable>(elements: [T]) {
        self = elements.withUnsafeBytes { TensorBytes(copying: $0) }
    }

    /// Allocates `count` bytes and lets `fill` write them; the result is then immutable.
    public init<E: Error>(count: Int, fill: (UnsafeMutableRawBufferPointer) throws(E) -> Void) throws(E) {
        guard count > 0 else { self.init(); return }
        let p = UnsafeMutableRawPointer.allocate(byteCount: count, alignment: 16)
        do {
            try fill(UnsafeMutableRawBufferPointer(start: p, count: count))
        } catch {
            p.deallocate()
            throw error
        }
        self.init(storage: Storage(base: p, count: count, release: { $0.deallocate() }))
    }

    /// Takes ownership of memory from C; `release` is called once when the last copy goes.
    init(adopting base: UnsafeMutableRawPointer, count: Int, release: @escaping @Sendable (UnsafeMutableRawPointer) -> Void) {
        self.init(storage: Storage(base: base, count: count, release: release))
    }

    /// Bytes mapped read-only from a file (see `FileIO.map`); `release` unmaps them.
    init(mapped base: UnsafeMutableRawPointer, count: Int, release: @escaping @Sendable (UnsafeMutableRawPointer) -> Void) {
        self.init(storage: Storage(base: base, count: count, release: release, fileBacked: true))
    }

    /// For bytes mapped from a file: tells the kernel their pages are not needed now, so they
    /// stop counting towards this process's memory (a later read maps them in again). A
    /// no-op for bytes in memory. Streaming coders call it when they are done with a tensor.
    public func evict() {
        guard storage.fileBacked, let base = storage.base, storage.count > 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = Int(bitPattern: base) & ~(page - 1)
        let end = Int(bitPattern: base) + storage.count
        _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_DONTNEED)
    }

    /// The bytes in `range`, sharing this payload's storage (which the slice keeps alive);
    /// file-backed if this payload is.
    func slice(_ range: Range<Int>) -> TensorBytes {
        precondition(range.lowerBound >= 0 && range.upperBound <= count)
        guard !range.isEmpty, let base = storage.base else { return TensorBytes() }
        let parent = storage
        return TensorBytes(storage: Storage(base: base + range.lowerBound, count: range.count,
                                            release: { _ in withExtendedLifetime(parent) {} }, fileBacked: parent.fileBacked))
    }

    public var count: Int { storage.count }
    public var isEmpty: Bool { storage.count == 0 }

    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: storage.base, count: storage.count))
    }

    /// The bytes as an array (a copy).
    public var array: [UInt8] { withUnsafeBytes { Array($0) } }

    /// Reinterprets the little-endian payload as `count / stride` values of `T` (a copy).
    public func elements<T: BitwiseCopyable>(as: T.Type) -> [T] {
        let n = count / MemoryLayout<T>.stride
        return [T](unsafeUninitializedCapacity: n) { buf, initialized in
            withUnsafeBytes { raw in
                if n > 0 { UnsafeMutableRawPointer(buf.baseAddress!).copyMemory(from: raw.baseAddress!, byteCount: n * MemoryLayout<T>.stride) }
            }
            initialized = n
        }
    }

    public static func == (a: TensorBytes, b: TensorBytes) -> Bool {
        if a.storage === b.storage { return true }
        guard a.count == b.count else { return false }
        return a.withUnsafeBytes { x in b.withUnsafeBytes { y in
            x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0
        } }
    }

    public func hash(into hasher: inout Hasher) {
        withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
