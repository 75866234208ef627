/// A walk over protobuf wire format that finds where a malformed message goes wrong.
///
/// libprotobuf-c only says that unpacking failed; this scan gives the byte offset and the
/// field for the error message. It descends into the length-delimited fields of the
/// message types it knows, to a bounded depth.
enum WireScan {
    struct Problem {
        var offset: Int
        var detail: String
    }

    /// Field numbers of ModelProto/GraphProto that hold sub-messages, by message name.
    private static let children: [String: [UInt64: String]] = [
        "ModelProto": [7: "GraphProto", 8: "OperatorSetIdProto", 14: "StringStringEntryProto", 20: "TrainingInfoProto", 25: "FunctionProto"],
        "GraphProto": [1: "NodeProto", 5: "TensorProto", 15: "SparseTensorProto", 11: "ValueInfoProto", 12: "ValueInfoProto", 13: "ValueInfoProto"],
        "NodeProto": [5: "AttributeProto"],
        "AttributeProto": [5: "TensorProto", 6: "GraphProto"],
        "TensorProto": [:],
    ]

    static func firstProblem(_ bytes: UnsafeRawBufferPointer, message: String = "ModelProto") -> Problem? {
        scan(bytes, from: 0, to: bytes.count, message: message, depth: 0)
    }

    private static func varint(_ b: UnsafeRawBufferPointer, _ i: inout Int, _ end: Int) -> UInt64? {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while i < end, shift < 64 {
            let byte = b[i]
            i += 1
            v |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return v }
            shift += 7
        }
        return nil
    }

    private static func scan(_ b: UnsafeRawBufferPointer, from start: Int, to end: Int, message: String, depth: Int) -> Problem? {
        var i = start
        while i < end {
            let fieldStart = i
            guard let key = varint(b, &i, end) else {
                return Problem(offset: fieldStart, detail: "\(message): field key runs past the end of the data")
            }
            let field = key >> 3
            let wire = key & 7
            if field == 0 { return Problem(offset: fieldStart, detail: "\(message): field number 0 is invalid") }
            switch wire {
            case 0:
                guard varint(b, &i, end) != nil else {
                    return Problem(offset: fieldStart, detail: "\(message) field \(field): varint runs past the end of the data")
                }
            case 1, 5:
                let n = wire == 1 ? 8 : 4
                guard i + n <= end else {
                    return Problem(offset: fieldStart, detail: "\(message) field \(field): \(n)-byte value runs past the end of the data")
                }
                i += n
            case 2:
                guard let len = varint(b, &i, end) else {
                    return Problem(offset: fieldStart, detail: "\(message) field \(field): length runs past the end of the data")
                }
                guard len <= UInt64(end - i) else {
                    return Problem(offset: fieldStart, detail: "\(message) field \(field) claims \(len) bytes but only \(end - i) remain")
                }
                if depth < 6, let child = children[message]?[field] {
                    if let p = scan(b, from: i, to: i + Int(len), message: child, depth: depth + 1) { return p }
                }
                i += Int(len)
            default:
                return Problem(offset: fieldStart, detail: "\(message) field \(field) has invalid wire type \(wire)")
            }
        }
        return nil
    }
}
