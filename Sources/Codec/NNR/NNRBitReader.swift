/// Reads the fixed- and variable-length syntax elements of NNR headers, most significant
/// bit first, from one unit. Every read is bounds-checked against the unit's end.
struct NNRBitReader {
    let bytes: [UInt8]
    /// Offset of `bytes[0]` in the whole stream (for error offsets).
    let streamOffset: Int
    private(set) var bitPosition: Int = 0
    let endBit: Int

    init(_ bytes: [UInt8], streamOffset: Int) {
        self.bytes = bytes
        self.streamOffset = streamOffset
        endBit = bytes.count * 8
    }

    var bytePosition: Int { (bitPosition + 7) / 8 }
    var isByteAligned: Bool { bitPosition % 8 == 0 }
    var streamByteOffset: Int { streamOffset + bitPosition / 8 }

    func error(_ kind: NNRError.Kind) -> NNRError {
        NNRError(kind, byteOffset: streamByteOffset)
    }

    mutating func bit() throws(NNRError) -> UInt64 {
        guard bitPosition < endBit else { throw error(.truncated) }
        let b = (bytes[bitPosition >> 3] >> UInt8(7 - (bitPosition & 7))) & 1
        bitPosition += 1
        return UInt64(b)
    }

    /// u(n), n ≤ 64.
    mutating func u(_ n: Int) throws(NNRError) -> UInt64 {
        var v: UInt64 = 0
        for _ in 0..<n { v = (v << 1) | (try bit()) }
        return v
    }

    mutating func flag() throws(NNRError) -> Bool { try u(1) != 0 }

    /// i(n): n-bit two's complement.
    mutating func i(_ n: Int) throws(NNRError) -> Int64 {
        let v = try u(n)
        return v >= (UInt64(1) << UInt64(n - 1)) ? Int64(v) - Int64(1 << n) : Int64(v)
    }

    /// ue(k): k-th order Exp-Golomb (prefix of zeros ended by a one). Values above 2^62
    /// are rejected.
    mutating func ue(_ k0: Int) throws(NNRError) -> UInt64 {
        var k = k0
        var x: UInt64 = 0
        while try bit() == 0 {
            guard k < 62 else { throw error(.invalidValue("Exp-Golomb code too long")) }
            x += UInt64(1) << UInt64(k)
            k += 1
        }
        if k > 0 { x += try u(k) }
        return x
    }

    /// ie(k): signed k-th order Exp-Golomb.
    mutating func ie(_ k: Int) throws(NNRError) -> Int64 {
        let x = try ue(k)
        return (x & 1) != 0 ? Int64((x + 1) >> 1) : -Int64(x >> 1)
    }

    /// byte_alignment(): one bit (nominally 1), then zeros up to the byte boundary.
    mutating func byteAlignment() throws(NNRError) {
        _ = try bit()
        bitPosition = (bitPosition + 7) & ~7
    }

    /// st(v): a zero-terminated UTF-8 string starting byte-aligned.
    mutating func string() throws(NNRError) -> String {
        guard isByteAligned else { throw error(.invalidValue("string not byte-aligned")) }
        let start = bitPosition / 8
        guard let end = bytes[start...].firstIndex(of: 0) else { throw error(.truncated) }
        bitPosition = (end + 1) * 8
        guard let s = String(validating: bytes[start..<end], as: UTF8.self) else {
            throw NNRError(.invalidValue("string is not UTF-8"), byteOffset: streamOffset + start)
        }
        return s
    }

    /// flt(32): a little-endian IEEE float32.
    mutating func float32() throws(NNRError) -> Float {
        var bits: UInt32 = 0
        for i in 0..<4 { bits |= UInt32(try u(8)) << UInt32(8 * i) }
        return Float(bitPattern: bits)
    }

    /// The rest of the unit from the current (byte-aligned) position.
    mutating func remainingBytes() -> [UInt8] {
        let start = bytePosition
        bitPosition = endBit
        return Array(bytes[start...])
    }
}

/// Writes NNR header syntax elements, most significant bit first.
struct NNRBitWriter {
    private(set) var bytes: [UInt8] = []
    private var bitsInLast = 8

    var isByteAligned: Bool { bitsInLast == 8 }

    mutating func bit(_ b: Bool) {
        if bitsInLast == 8 { bytes.append(0); bitsInLast = 0 }
        if b { bytes[bytes.count - 1] |= UInt8(0x80) >> UInt8(bitsInLast) }
        bitsInLast += 1
    }

    mutating func u(_ n: Int, _ x: UInt64) {
        precondition(n == 64 || x < (UInt64(1) << UInt64(n)), "value does not fit u(\(n))")
        var i = n - 1
        while i >= 0 { bit((x >> UInt64(i)) & 1 != 0); i -= 1 }
    }

    mutating func flag(_ b: Bool) { bit(b) }

    mutating func i(_ n: Int, _ x: Int64) {
        precondition(x >= -(Int64(1) << Int64(n - 1)) && x < (Int64(1) << Int64(n - 1)), "value does not fit i(\(n))")
        u(n, x >= 0 ? UInt64(x) : UInt64(x + (Int64(1) << Int64(n))))
    }

    mutating func ue(_ k0: Int, _ x0: UInt64) {
        var k = k0
        var x = x0
        while x >= (UInt64(1) << UInt64(k)) {
            bit(false)
            x -= UInt64(1) << UInt64(k)
            k += 1
        }
        bit(true)
        if k > 0 { u(k, x) }
    }

    mutating func ie(_ k: Int, _ x: Int64) {
        ue(k, x <= 0 ? UInt64(-x) << 1 : (UInt64(x) << 1) - 1)
    }

    mutating func byteAlignment() {
        bit(true)
        bitsInLast = 8
    }

    mutating func string(_ s: String) {
        precondition(isByteAligned, "string must start byte-aligned")
        bytes.append(contentsOf: Array(s.utf8))
        bytes.append(0)
    }

    mutating func float32(_ f: Float) {
        let b = f.bitPattern
        for i in 0..<4 { u(8, UInt64((b >> UInt32(8 * i)) & 0xFF)) }
    }

    mutating func append(_ raw: [UInt8]) {
        precondition(isByteAligned)
        bytes.append(contentsOf: raw)
    }
}
