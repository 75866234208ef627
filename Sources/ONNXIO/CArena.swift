internal import CProtobufC
#if canImport(Glibc)
import Glibc
#endif

/// Owns every C allocation made while building a message tree for packing, and keeps the
/// tensor payloads the tree points at alive. Everything is released together.
final class CArena {
    private var blocks: [UnsafeMutableRawPointer] = []
    private var kept: [TensorBytes] = []

    deinit { for b in blocks { free(b) } }

    func alloc<T>(_: T.Type, count: Int = 1) -> UnsafeMutablePointer<T> {
        let raw = calloc(max(count, 1), MemoryLayout<T>.stride)!
        blocks.append(raw)
        return raw.bindMemory(to: T.self, capacity: max(count, 1))
    }

    func cString(_ s: String?) -> UnsafeMutablePointer<CChar>? {
        guard let s else { return nil }
        let p = strdup(s)!
        blocks.append(UnsafeMutableRawPointer(p))
        return p
    }

    func array<T>(_ values: [T]) -> (Int, UnsafeMutablePointer<T>?) {
        guard !values.isEmpty else { return (0, nil) }
        let p = alloc(T.self, count: values.count)
        p.initialize(from: values, count: values.count)
        return (values.count, p)
    }

    func cStrings(_ values: [String]) -> (Int, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) {
        array(values.map { cString($0) })
    }

    func binary(_ b: [UInt8]) -> ProtobufCBinaryData {
        guard !b.isEmpty else { return ProtobufCBinaryData(len: 0, data: nil) }
        let p = alloc(UInt8.self, count: b.count)
        p.initialize(from: b, count: b.count)
        return ProtobufCBinaryData(len: b.count, data: p)
    }

    /// Points at the payload without copying; the payload is kept alive with the arena.
    func binary(_ t: TensorBytes) -> ProtobufCBinaryData {
        kept.append(t)
        guard let base = t.storage.base, t.count > 0 else { return ProtobufCBinaryData(len: 0, data: nil) }
        return ProtobufCBinaryData(len: t.count, data: base.assumingMemoryBound(to: UInt8.self))
    }

    func messages<S, C>(_ values: [S], _ make: (S) -> UnsafeMutablePointer<C>) -> (Int, UnsafeMutablePointer<UnsafeMutablePointer<C>?>?) {
        array(values.map { Optional(make($0)) })
    }

    /// Re-attaches unknown fields so that they are written back verbatim.
    func unknowns(_ fields: [UnknownField], into base: inout ProtobufCMessage) {
        guard !fields.isEmpty else { return }
        let p = alloc(ProtobufCMessageUnknownField.self, count: fields.count)
        for (i, f) in fields.enumerated() {
            let b = binary(f.data)
            p[i] = ProtobufCMessageUnknownField(tag: f.tag, wire_type: ProtobufCWireType(rawValue: f.wireType),
                                                len: b.len, data: b.data)
        }
        base.n_unknown_fields = UInt32(fields.count)
        base.unknown_fields = p
    }
}
