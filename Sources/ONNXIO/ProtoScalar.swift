// The Swift side of ProtobufBridge's vocabulary: which message, what a field holds.

/// The top-level messages ONNXIO reads and writes.
enum ProtoSchema {
    case model, tensor
}

/// What a field holds, as Swift sees it. Each scalar type maps to the protobuf types with
/// the same in-memory representation in libprotobuf-c.
enum ProtoKind {
    case int32, int64, uint32, uint64, float, double, string, bytes, message, unsupported
}

/// A fixed-size value stored as itself in a libprotobuf-c message (enums are `Int32`).
protocol ProtoScalar: BitwiseCopyable { static var protoKind: ProtoKind { get } }
extension Int32: ProtoScalar { static var protoKind: ProtoKind { .int32 } }
extension Int64: ProtoScalar { static var protoKind: ProtoKind { .int64 } }
extension UInt32: ProtoScalar { static var protoKind: ProtoKind { .uint32 } }
extension UInt64: ProtoScalar { static var protoKind: ProtoKind { .uint64 } }
extension Float: ProtoScalar { static var protoKind: ProtoKind { .float } }
extension Double: ProtoScalar { static var protoKind: ProtoKind { .double } }
