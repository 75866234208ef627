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

    private static func scan(_ b: UnsafeRawBufferPointer, from start: Int, to end: Int, message: String, depth: Int) -> Problem? {
        var fields = WireFields(b, from: start, to: end, rejectingFieldZero: true)
        while let step = fields.next() {
            switch step {
            case .broken(let failure, let at, let field):
                return Problem(offset: at, detail: describe(failure, message: message, field: field ?? 0))
            case .field(let f):
                if let r = f.payload, depth < 6, let child = children[message]?[f.number],
                   let p = scan(b, from: r.lowerBound, to: r.upperBound, message: child, depth: depth + 1) {
                    return p
                }
            }
        }
        return nil
    }

    private static func describe(_ failure: WireFields.Failure, message: String, field: UInt64) -> String {
        switch failure {
        case .key: return "\(message): field key runs past the end of the data"
        case .fieldZero: return "\(message): field number 0 is invalid"
        case .varint: return "\(message) field \(field): varint runs past the end of the data"
        case .fixed(let n): return "\(message) field \(field): \(n)-byte value runs past the end of the data"
        case .length: return "\(message) field \(field): length runs past the end of the data"
        case .overrun(let len, let remaining): return "\(message) field \(field) claims \(len) bytes but only \(remaining) remain"
        case .wireType(let wire): return "\(message) field \(field) has invalid wire type \(wire)"
        }
    }
}
