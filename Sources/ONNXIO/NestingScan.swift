/// A bound on how deeply an ONNX file nests messages, checked on the wire format before
/// libprotobuf-c unpacks it.
///
/// Subgraphs (`If`/`Loop`/`Scan` attributes, functions, training info) and `TypeProto`
/// (sequences of maps of optionals …) nest without limit in the schema; libprotobuf-c and
/// the conversion to Swift values recurse once per level, so a small crafted file could
/// exhaust the stack. Real models nest a few subgraphs deep; `maxDepth` messages (about 20
/// levels of subgraphs, three messages each) is far beyond them.
enum NestingScan {
    static let maxDepth = 64

    /// Field numbers that hold messages which can lead back to a recursive message.
    private static let children: [String: [UInt64: String]] = [
        "ModelProto": [7: "GraphProto", 20: "TrainingInfoProto", 25: "FunctionProto"],
        "TrainingInfoProto": [1: "GraphProto", 2: "GraphProto"],
        "FunctionProto": [7: "NodeProto"],
        "GraphProto": [1: "NodeProto", 11: "ValueInfoProto", 12: "ValueInfoProto", 13: "ValueInfoProto"],
        "NodeProto": [5: "AttributeProto"],
        "AttributeProto": [6: "GraphProto", 11: "GraphProto", 14: "TypeProto", 15: "TypeProto"],
        "ValueInfoProto": [2: "TypeProto"],
        "TypeProto": [4: "Sequence", 5: "Map", 9: "Optional"],
        "Sequence": [1: "TypeProto"],
        "Map": [2: "TypeProto"],
        "Optional": [1: "TypeProto"],
    ]

    /// The byte offset of the first message nested deeper than `maxDepth`, or nil. Wire
    /// errors end the walk silently (the protobuf parser reports them).
    static func tooDeep(_ b: UnsafeRawBufferPointer, message: String = "ModelProto") -> Int? {
        walk(b, from: 0, to: b.count, message: message, depth: 1)
    }

    private static func walk(_ b: UnsafeRawBufferPointer, from start: Int, to end: Int, message: String, depth: Int) -> Int? {
        if depth > maxDepth { return start }
        guard let fields = children[message] else { return nil }
        var i = start
        while i < end {
            guard let key = varint(b, &i, end) else { return nil }
            switch key & 7 {
            case 0: guard varint(b, &i, end) != nil else { return nil }
            case 1: i += 8
            case 5: i += 4
            case 2:
                guard let len = varint(b, &i, end), len <= UInt64(end - i) else { return nil }
                if let child = fields[key >> 3],
                   let p = walk(b, from: i, to: i + Int(len), message: child, depth: depth + 1) {
                    return p
                }
                i += Int(len)
            default: return nil
            }
        }
        return nil
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
}
