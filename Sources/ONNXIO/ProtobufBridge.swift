internal import CONNXProto
internal import CProtobufC
#if canImport(Glibc)
import Glibc
#endif

// The one file of ONNXIO that calls libprotobuf-c and the generated onnx.proto code.
//
// Messages are read and written through libprotobuf-c's run-time descriptors: a field is
// found by its number, and its presence flag, count and value are reached by the offsets
// the descriptor records. Callers see field numbers and Swift values only; `ProtoReader`
// and `ProtoWriter` keep their C pointers private.

enum ProtobufBridge {
    /// Parses `bytes` as `schema` and hands the message to `read`; nil when libprotobuf-c
    /// refuses the bytes. The reader and every reader reached from it are valid only
    /// inside `read`.
    static func unpack<R>(_ bytes: UnsafeRawBufferPointer, as schema: ProtoSchema, _ read: (ProtoReader) -> R) -> R? {
        guard let data = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        let message: UnsafeMutablePointer<ProtobufCMessage>?
        switch schema {
        case .model: message = onnx__model_proto__unpack(nil, bytes.count, data).map(erase)
        case .tensor: message = onnx__tensor_proto__unpack(nil, bytes.count, data).map(erase)
        }
        guard let message else { return nil }
        defer { protobuf_c_message_free_unpacked(message, nil) }
        return read(ProtoReader(UnsafeMutableRawPointer(message)))
    }

    /// The bytes of the message `fill` writes.
    static func serialize(_ schema: ProtoSchema, _ fill: (ProtoWriter) -> Void) -> [UInt8] {
        let arena = RawArena()
        let message = root(schema, arena, fill)
        let size = protobuf_c_message_get_packed_size(message)
        return [UInt8](unsafeUninitializedCapacity: size) { buf, n in
            n = size == 0 ? 0 : protobuf_c_message_pack(message, buf.baseAddress!)
        }
    }

    /// Packs the message `fill` writes straight to `fd` through a 1 MiB buffer, leaving out the bytes fields
    /// whose data lie in `holes` (sparse holes): returns the key (address − `holes`' base) and file offset of
    /// each, in packing order (at most `maxHoles`); nil when a write fails (`errno` tells why).
    static func write(_ schema: ProtoSchema, to fd: Int32, holes: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
                      maxHoles: Int = 0, _ fill: (ProtoWriter) -> Void) -> [(key: Int, offset: Int)]? {
        let arena = RawArena()
        var keys = [Int64](repeating: 0, count: max(maxHoles, 1)), offsets = keys, count = 0
        let n = onnxio_pack_with_holes(root(schema, arena, fill), fd, holes.baseAddress, holes.count, &keys, &offsets, maxHoles, &count)
        return n < 0 ? nil : (0..<min(count, maxHoles)).map { (Int(keys[$0]), Int(offsets[$0])) }
    }

    private static func root(_ schema: ProtoSchema, _ arena: RawArena, _ fill: (ProtoWriter) -> Void)
        -> UnsafeMutablePointer<ProtobufCMessage> {
        let message: UnsafeMutablePointer<ProtobufCMessage>
        switch schema {
        case .model:
            let p = arena.alloc(MemoryLayout<Onnx__ModelProto>.size)
            onnx__model_proto__init(p.assumingMemoryBound(to: Onnx__ModelProto.self))
            message = p.assumingMemoryBound(to: ProtobufCMessage.self)
        case .tensor:
            let p = arena.alloc(MemoryLayout<Onnx__TensorProto>.size)
            onnx__tensor_proto__init(p.assumingMemoryBound(to: Onnx__TensorProto.self))
            message = p.assumingMemoryBound(to: ProtobufCMessage.self)
        }
        fill(ProtoWriter(UnsafeMutableRawPointer(message), arena))
        return message
    }

    private static func erase<T>(_ p: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<ProtobufCMessage> {
        UnsafeMutableRawPointer(p).assumingMemoryBound(to: ProtobufCMessage.self)
    }
}

/// One field of a message: its descriptor, and the message's memory.
private struct Slot {
    let base: UnsafeMutableRawPointer
    let d: ProtobufCFieldDescriptor

    init(_ base: UnsafeMutableRawPointer, _ number: UInt32, _ kind: ProtoKind) {
        let descriptor = base.assumingMemoryBound(to: ProtobufCMessage.self).pointee.descriptor!
        guard let f = protobuf_c_message_descriptor_get_field(descriptor, number) else {
            preconditionFailure("\(String(cString: descriptor.pointee.name)) has no field \(number)")
        }
        precondition(Slot.kind(f.pointee.type) == kind, "field \(number) of \(String(cString: descriptor.pointee.name)) is not \(kind)")
        self.base = base
        d = f.pointee
    }

    static func kind(_ t: ProtobufCType) -> ProtoKind {
        switch t {
        case PROTOBUF_C_TYPE_INT32, PROTOBUF_C_TYPE_SINT32, PROTOBUF_C_TYPE_SFIXED32, PROTOBUF_C_TYPE_ENUM: return .int32
        case PROTOBUF_C_TYPE_INT64, PROTOBUF_C_TYPE_SINT64, PROTOBUF_C_TYPE_SFIXED64: return .int64
        case PROTOBUF_C_TYPE_UINT32, PROTOBUF_C_TYPE_FIXED32: return .uint32
        case PROTOBUF_C_TYPE_UINT64, PROTOBUF_C_TYPE_FIXED64: return .uint64
        case PROTOBUF_C_TYPE_FLOAT: return .float
        case PROTOBUF_C_TYPE_DOUBLE: return .double
        case PROTOBUF_C_TYPE_STRING: return .string
        case PROTOBUF_C_TYPE_BYTES: return .bytes
        case PROTOBUF_C_TYPE_MESSAGE: return .message
        default: return .unsupported
        }
    }

    var value: UnsafeMutableRawPointer { base + Int(d.offset) }
    var quantifier: UnsafeMutableRawPointer { base + Int(d.quantifier_offset) }
    private var isOneof: Bool { d.flags & PROTOBUF_C_FIELD_FLAG_ONEOF.rawValue != 0 }
    private var isPointer: Bool { d.type == PROTOBUF_C_TYPE_STRING || d.type == PROTOBUF_C_TYPE_MESSAGE }

    /// A singular field is present when its oneof case names it, its `has_` flag is set,
    /// or (strings and messages) its pointer is set.
    var isPresent: Bool {
        precondition(d.label != PROTOBUF_C_LABEL_REPEATED)
        if isOneof {
            guard quantifier.load(as: UInt32.self) == d.id else { return false }
        } else if d.label == PROTOBUF_C_LABEL_OPTIONAL && !isPointer {
            return quantifier.load(as: Int32.self) != 0
        }
        return !isPointer || value.load(as: UnsafeRawPointer?.self) != nil
    }

    func markPresent() {
        if isOneof { quantifier.storeBytes(of: d.id, as: UInt32.self) }
        else if d.label == PROTOBUF_C_LABEL_OPTIONAL && !isPointer { quantifier.storeBytes(of: 1, as: Int32.self) }
    }

    /// Element count and array of a repeated field.
    var repeated: (count: Int, elements: UnsafeMutableRawPointer?) {
        precondition(d.label == PROTOBUF_C_LABEL_REPEATED)
        return (quantifier.load(as: Int.self), value.load(as: UnsafeMutableRawPointer?.self))
    }

    func setRepeated(_ count: Int, _ elements: UnsafeMutableRawPointer?) {
        precondition(d.label == PROTOBUF_C_LABEL_REPEATED)
        quantifier.storeBytes(of: count, as: Int.self)
        value.storeBytes(of: elements, as: UnsafeMutableRawPointer?.self)
    }

    var messageDescriptor: UnsafePointer<ProtobufCMessageDescriptor> {
        d.descriptor.assumingMemoryBound(to: ProtobufCMessageDescriptor.self)
    }
}

private func swiftString(_ p: UnsafeMutableRawPointer?) -> String? {
    p.map { String(cString: $0.assumingMemoryBound(to: CChar.self)) }
}

private func byteArray(_ b: ProtobufCBinaryData) -> [UInt8] {
    guard b.len > 0, let d = b.data else { return [] }
    return Array(UnsafeBufferPointer(start: d, count: b.len))
}

/// Reads the fields of one unpacked message by number.
struct ProtoReader {
    private let base: UnsafeMutableRawPointer
    fileprivate init(_ base: UnsafeMutableRawPointer) { self.base = base }

    func scalar<T: ProtoScalar>(_ n: UInt32, as _: T.Type = T.self) -> T? {
        let s = Slot(base, n, T.protoKind)
        return s.isPresent ? s.value.load(as: T.self) : nil
    }

    func string(_ n: UInt32) -> String? {
        let s = Slot(base, n, .string)
        return s.isPresent ? swiftString(s.value.load(as: UnsafeMutableRawPointer?.self)) : nil
    }

    func bytes(_ n: UInt32) -> [UInt8]? {
        let s = Slot(base, n, .bytes)
        return s.isPresent ? byteArray(s.value.load(as: ProtobufCBinaryData.self)) : nil
    }

    /// A bytes field taken over without a copy: the message forgets the buffer, which is
    /// freed when the last copy of the payload goes.
    func takePayload(_ n: UInt32) -> TensorBytes? {
        let s = Slot(base, n, .bytes)
        guard s.isPresent else { return nil }
        let b = s.value.load(as: ProtobufCBinaryData.self)
        guard b.len > 0, let data = b.data else { return TensorBytes() }
        s.value.storeBytes(of: ProtobufCBinaryData(len: 0, data: nil), as: ProtobufCBinaryData.self)
        return TensorBytes(adopting: UnsafeMutableRawPointer(data), count: b.len, release: { onnxio_free($0) })
    }

    func message<T>(_ n: UInt32, _ read: (ProtoReader) -> T) -> T? {
        let s = Slot(base, n, .message)
        return s.isPresent ? s.value.load(as: UnsafeMutableRawPointer?.self).map { read(ProtoReader($0)) } : nil
    }

    func array<T: ProtoScalar>(_ n: UInt32, of _: T.Type = T.self) -> [T] {
        let (count, p) = Slot(base, n, T.protoKind).repeated
        guard count > 0, let p else { return [] }
        return Array(UnsafeBufferPointer(start: p.assumingMemoryBound(to: T.self), count: count))
    }

    /// A repeated string field; a missing element reads as "".
    func strings(_ n: UInt32) -> [String] {
        let (count, p) = Slot(base, n, .string).repeated
        guard count > 0, let p else { return [] }
        return (0..<count).map { swiftString(p.load(fromByteOffset: $0 * MemoryLayout<UnsafeRawPointer>.stride, as: UnsafeMutableRawPointer?.self)) ?? "" }
    }

    func bytesList(_ n: UInt32) -> [[UInt8]] {
        let (count, p) = Slot(base, n, .bytes).repeated
        guard count > 0, let p else { return [] }
        let list = p.assumingMemoryBound(to: ProtobufCBinaryData.self)
        return (0..<count).map { byteArray(list[$0]) }
    }

    func messages<T>(_ n: UInt32, _ read: (ProtoReader) -> T) -> [T] {
        let (count, p) = Slot(base, n, .message).repeated
        guard count > 0, let p else { return [] }
        return (0..<count).compactMap { i in
            p.load(fromByteOffset: i * MemoryLayout<UnsafeRawPointer>.stride, as: UnsafeMutableRawPointer?.self).map { read(ProtoReader($0)) }
        }
    }

    /// Unknown fields, kept to be written back verbatim. Field number 0 is not a valid field
    /// (protobuf numbers fields from 1; Google's parser refuses it), yet libprotobuf-c accepts
    /// it in a non-minimal varint key and then cannot read back what it writes for it, so such
    /// fields are dropped.
    var unknownFields: [UnknownField] {
        let m = base.assumingMemoryBound(to: ProtobufCMessage.self).pointee
        guard m.n_unknown_fields > 0, let u = m.unknown_fields else { return [] }
        return (0..<Int(m.n_unknown_fields)).filter { u[$0].tag != 0 }.map {
            UnknownField(tag: u[$0].tag, wireType: u[$0].wire_type.rawValue,
                         data: byteArray(ProtobufCBinaryData(len: u[$0].len, data: u[$0].data)))
        }
    }
}

/// Fills the fields of one message being built for packing; nil values and empty arrays
/// leave a field absent.
struct ProtoWriter {
    private let base: UnsafeMutableRawPointer
    private let arena: RawArena
    fileprivate init(_ base: UnsafeMutableRawPointer, _ arena: RawArena) { self.base = base; self.arena = arena }

    private func store<T>(_ n: UInt32, _ kind: ProtoKind, _ v: T) {
        let s = Slot(base, n, kind)
        s.value.storeBytes(of: v, as: T.self)
        s.markPresent()
    }

    func set<T: ProtoScalar>(_ n: UInt32, _ v: T?) { if let v { store(n, T.protoKind, v) } }
    func set(_ n: UInt32, string: String?) { if let string { store(n, .string, arena.cString(string)) } }
    func set(_ n: UInt32, bytes: [UInt8]?) { if let bytes { store(n, .bytes, binary(bytes, arena)) } }

    /// Points the field at the payload without copying; the payload stays alive until packed.
    func set(_ n: UInt32, payload: TensorBytes?) {
        guard let payload else { return }
        store(n, .bytes, ProtobufCBinaryData(len: payload.count, data: arena.keep(payload)?.assumingMemoryBound(to: UInt8.self)))
    }

    func set<T: ProtoScalar>(_ n: UInt32, array: [T]) {
        Slot(base, n, T.protoKind).setRepeated(array.count, arena.copy(array))
    }

    func set(_ n: UInt32, strings: [String]) {
        Slot(base, n, .string).setRepeated(strings.count, arena.copy(strings.map { arena.cString($0) }))
    }

    func set(_ n: UInt32, bytesList: [[UInt8]]) {
        Slot(base, n, .bytes).setRepeated(bytesList.count, arena.copy(bytesList.map { binary($0, arena) }))
    }

    func message<S>(_ n: UInt32, _ item: S?, _ fill: (S, ProtoWriter) -> Void) {
        guard let item else { return }
        store(n, .message, ONNXIO.message(Slot(base, n, .message).messageDescriptor, arena) { fill(item, $0) })
    }

    func messages<S>(_ n: UInt32, _ items: [S], _ fill: (S, ProtoWriter) -> Void) {
        let s = Slot(base, n, .message)
        let children: [UnsafeMutableRawPointer?] = items.map { item in ONNXIO.message(s.messageDescriptor, arena) { fill(item, $0) } }
        s.setRepeated(items.count, arena.copy(children))
    }

    /// Re-attaches unknown fields so that they are written back verbatim.
    func setUnknownFields(_ fields: [UnknownField]) {
        guard !fields.isEmpty else { return }
        let list = fields.map {
            let b = binary($0.data, arena)
            return ProtobufCMessageUnknownField(tag: $0.tag, wire_type: ProtobufCWireType(rawValue: $0.wireType), len: b.len, data: b.data)
        }
        let m = base.assumingMemoryBound(to: ProtobufCMessage.self)
        m.pointee.n_unknown_fields = UInt32(fields.count)
        m.pointee.unknown_fields = arena.copy(list)?.assumingMemoryBound(to: ProtobufCMessageUnknownField.self)
    }
}

private func binary(_ b: [UInt8], _ arena: RawArena) -> ProtobufCBinaryData {
    ProtobufCBinaryData(len: b.count, data: arena.copy(b)?.assumingMemoryBound(to: UInt8.self))
}

/// A message of type `d`, initialised to its defaults, then filled.
private func message(_ d: UnsafePointer<ProtobufCMessageDescriptor>, _ arena: RawArena,
                     _ fill: (ProtoWriter) -> Void) -> UnsafeMutableRawPointer {
    let p = arena.alloc(d.pointee.sizeof_message)
    d.pointee.message_init(p.assumingMemoryBound(to: ProtobufCMessage.self))
    fill(ProtoWriter(p, arena))
    return p
}
