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
        var wire = WireFields(b, from: start, to: end, rejectingFieldZero: false)
        while let step = wire.next() {
            guard case .field(let f) = step else { return nil }
            if let r = f.payload, let child = fields[f.number],
               let p = walk(b, from: r.lowerBound, to: r.upperBound, message: child, depth: depth + 1) {
                return p
            }
        }
        return nil
    }
}
