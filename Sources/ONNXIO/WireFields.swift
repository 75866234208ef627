/// The one reader of protobuf wire format in ONNXIO: walks the fields of a message in
/// `bytes[start..<end]` and says where and how the encoding breaks.
///
/// `WireScan` (where a malformed message goes wrong) and `NestingScan` (how deeply messages
/// nest) both walk files with it; neither decodes values.
struct WireFields {
    /// One field: its number, wire type, the offset of its key, and for a length-delimited
    /// field the byte range of its payload.
    struct Field {
        var number: UInt64
        var wireType: UInt64
        var start: Int
        var payload: Range<Int>?
        /// The offset just past the field.
        var end: Int
    }

    /// How the encoding breaks at a field.
    enum Failure: Equatable {
        case key
        case fieldZero
        case varint
        case fixed(bytes: Int)
        case length
        case overrun(claimed: UInt64, remaining: Int)
        case wireType(UInt64)
    }

    enum Step {
        case field(Field)
        /// The walk cannot go on: the failure, the offset of the field's key and its number
        /// (nil when the key itself is broken).
        case broken(Failure, at: Int, field: UInt64?)
    }

    private let bytes: UnsafeRawBufferPointer
    private var position: Int
    private let end: Int
    /// Whether field number 0 stops the walk (protobuf forbids it).
    private let rejectsFieldZero: Bool
    private var done = false

    init(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int, rejectingFieldZero: Bool) {
        self.bytes = bytes
        position = start
        self.end = end
        rejectsFieldZero = rejectingFieldZero
    }

    /// The next field, a `broken` step (after which the walk ends), or nil at the end.
    mutating func next() -> Step? {
        guard !done, position < end else { return nil }
        let start = position
        guard let key = varint() else { return broken(.key, start, nil) }
        let number = key >> 3, wire = key & 7
        if rejectsFieldZero && number == 0 { return broken(.fieldZero, start, number) }
        var payload: Range<Int>? = nil
        switch wire {
        case 0:
            guard varint() != nil else { return broken(.varint, start, number) }
        case 1, 5:
            let n = wire == 1 ? 8 : 4
            guard position + n <= end else { return broken(.fixed(bytes: n), start, number) }
            position += n
        case 2:
            guard let len = varint() else { return broken(.length, start, number) }
            guard len <= UInt64(end - position) else {
                return broken(.overrun(claimed: len, remaining: end - position), start, number)
            }
            payload = position..<(position + Int(len))
            position += Int(len)
        default:
            return broken(.wireType(wire), start, number)
        }
        return .field(Field(number: number, wireType: wire, start: start, payload: payload, end: position))
    }

    private mutating func broken(_ f: Failure, _ at: Int, _ field: UInt64?) -> Step {
        done = true
        return .broken(f, at: at, field: field)
    }

    private mutating func varint() -> UInt64? {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while position < end, shift < 64 {
            let byte = bytes[position]
            position += 1
            v |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return v }
            shift += 7
        }
        return nil
    }
}
