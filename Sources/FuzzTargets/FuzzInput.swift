/// Reads structured choices from fuzzer bytes, little-endian, giving zeros once exhausted
/// (so every input is usable and short inputs stay meaningful).
struct FuzzInput {
    private let bytes: [UInt8]
    private(set) var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var remaining: Int { max(0, bytes.count - position) }

    mutating func byte() -> UInt8 {
        defer { position += 1 }
        return position < bytes.count ? bytes[position] : 0
    }

    mutating func u16() -> UInt16 { UInt16(byte()) | UInt16(byte()) << 8 }

    mutating func u32() -> UInt32 { UInt32(u16()) | UInt32(u16()) << 16 }

    /// An integer in `range`.
    mutating func int(in range: ClosedRange<Int>) -> Int {
        let span = UInt32(range.upperBound - range.lowerBound + 1)
        return range.lowerBound + Int(u32() % span)
    }

    mutating func bool() -> Bool { byte() & 1 != 0 }

    /// The rest of the input.
    mutating func rest() -> [UInt8] {
        defer { position = bytes.count }
        return position < bytes.count ? Array(bytes[position...]) : []
    }
}
