/// The binary arithmetic encoder of DeepCABAC (9-bit range, 32-bit low register), writing
/// into caller-provided memory.
///
/// Bytes are produced with delayed carry resolution: the last finished byte and any run of
/// 0xFF bytes after it stay pending until a later byte shows whether a carry reaches them.
/// The encoder never allocates: its output pointer is bound by the owner
/// (`CABACEncoder`), which guarantees room for `maxPendingOutput` more bytes before each
/// call sequence it starts.
public struct BinEncoder: BinSink {
    @usableFromInline var low: UInt32 = 0
    @usableFromInline var range: UInt32 = 510
    @usableFromInline var bitsLeft: Int32 = 23
    @usableFromInline var bufferedByte: UInt8 = 0xFF
    @usableFromInline var numBufferedBytes: Int = 0
    @usableFromInline var output: UnsafeMutablePointer<UInt8>?
    @usableFromInline var written: Int = 0

    /// Bytes written to `output` so far.
    @inlinable public var count: Int { written }

    @inlinable
    public init() {}

    /// Bytes finished but held back for carry resolution (not yet in `count`).
    @inlinable
    public var pendingBytes: Int { numBufferedBytes }

    /// Points the encoder at storage holding the `count` bytes written so far.
    @inlinable
    mutating func bind(_ pointer: UnsafeMutablePointer<UInt8>) { output = pointer }

    @inlinable @inline(__always)
    mutating func put(_ byte: UInt8) {
        output.unsafelyUnwrapped[written] = byte
        written &+= 1
    }

    @inlinable
    mutating func writeOut() {
        let leadByte = low >> UInt32(24 - bitsLeft)
        bitsLeft += 8
        low &= 0xFFFF_FFFF >> UInt32(bitsLeft)
        if leadByte == 0xFF {
            numBufferedBytes += 1
        } else if numBufferedBytes > 0 {
            let carry = leadByte >> 8
            put(bufferedByte &+ UInt8(truncatingIfNeeded: carry))
            bufferedByte = UInt8(truncatingIfNeeded: leadByte)
            let fill = UInt8(truncatingIfNeeded: 0xFF &+ carry)
            while numBufferedBytes > 1 {
                put(fill)
                numBufferedBytes -= 1
            }
        } else {
            numBufferedBytes = 1
            bufferedByte = UInt8(truncatingIfNeeded: leadByte)
        }
    }

    @inlinable @inline(__always)
    public mutating func encodeBin(_ bin: UInt32, context: inout ContextModel) {
        let lps = context.lpsRange(range)
        range &-= lps
        if bin == context.mps {
            if range < 256 {
                range &<<= 1
                low &<<= 1
                bitsLeft -= 1
                if bitsLeft < 12 { writeOut() }
            }
        } else {
            let n = Int32(lps.leadingZeroBitCount - 23)
            low &+= range
            range = lps &<< UInt32(n)
            low &<<= UInt32(n)
            bitsLeft -= n
            if bitsLeft < 12 { writeOut() }
        }
        context.update(bin)
    }

    @inlinable @inline(__always)
    public mutating func encodeBypass(_ bin: UInt32) {
        low &<<= 1
        if bin != 0 { low &+= range }
        bitsLeft -= 1
        if bitsLeft < 12 { writeOut() }
    }

    @inlinable
    public mutating func encodeBypassBins(_ bins: UInt32, count numBins: Int) {
        var remaining = numBins
        var value = numBins >= 32 ? bins : bins & ((1 << UInt32(numBins)) &- 1)
        while remaining > 8 {
            remaining -= 8
            let pattern = value >> UInt32(remaining)
            low = (low &<< 8) &+ range &* pattern
            value &-= pattern << UInt32(remaining)
            bitsLeft -= 8
            if bitsLeft < 12 { writeOut() }
        }
        if remaining > 0 {
            low = (low &<< UInt32(remaining)) &+ range &* value
            bitsLeft -= Int32(remaining)
            if bitsLeft < 12 { writeOut() }
        }
    }

    /// Codes the terminating bin.
    @inlinable
    public mutating func encodeTerminatingBin(_ bin: UInt32) {
        range &-= 2
        if bin != 0 {
            low &+= range
            low &<<= 7
            range = 2 << 7
            bitsLeft -= 7
        } else if range >= 256 {
            return
        } else {
            low &<<= 1
            range &<<= 1
            bitsLeft -= 1
        }
        if bitsLeft < 12 { writeOut() }
    }

    /// Flushes the pending bytes and the low register, ending with a stop bit; at most
    /// `pendingBytes + 4` bytes are written.
    @inlinable
    public mutating func flush() {
        if low >> UInt32(32 - bitsLeft) != 0 {
            put(bufferedByte &+ 1)
            while numBufferedBytes > 1 {
                put(0x00)
                numBufferedBytes -= 1
            }
            low &-= 1 << UInt32(32 - bitsLeft)
        } else {
            if numBufferedBytes > 0 { put(bufferedByte) }
            while numBufferedBytes > 1 {
                put(0xFF)
                numBufferedBytes -= 1
            }
        }
        numBufferedBytes = 0
        low >>= 8
        low <<= 1
        low &+= 1
        bitsLeft -= 1
        low &<<= UInt32(32 - (24 - bitsLeft))
        var i: Int32 = 0
        while i < 24 - bitsLeft {
            put(UInt8(truncatingIfNeeded: low >> UInt32(24 - i)))
            i += 8
        }
    }

    /// Starts an entry point: the range becomes 256 (the state is otherwise kept).
    @inlinable
    public mutating func entryPointStart() { range = 256 }

    /// Bits shifted out of the range so far: the decoder's `entryPointBitOffset` at the same
    /// point of the stream (both count one bit per renormalization shift and bypass bin).
    @inlinable
    var entryPointBitOffset: Int64 { 8 * Int64(written + numBufferedBytes) + Int64(23 - bitsLeft) }

    /// The low 8 bits of the low register, whose last bit sits at stream bit
    /// `entryPointBitOffset + 8` (see `EncoderEntryPoint`).
    @inlinable
    var lowByte: UInt8 { UInt8(truncatingIfNeeded: low) }
}

/// An entry point as the encoder sees it, before the stream is finished.
///
/// At an entry point the decoder's value register, shifted to the range's scale, is
/// C − L: the first `bitOffset` + 9 bits of the finished stream C as an integer minus the
/// encoder's low L at that scale. With the range at 256 it is below 256, so NNCodec's
/// 8 value bits are (C − L) mod 256, and L mod 256 is the low register's last byte.
struct EncoderEntryPoint: Sendable {
    var bitOffset: Int64
    var lowByte: UInt8
    var state: Int

    /// NNCodec's entry points (bit-offset delta << 11 | value << 3 | DQ state) of the
    /// finished `stream`; `start` is the bit offset at the first row of blocks.
    static func encode(_ points: [EncoderEntryPoint], start: Int64, stream: [UInt8]) -> [UInt64] {
        var last = start
        return points.map { p in
            let end = p.bitOffset + 9   // bits [end − 8, end) of the stream
            var window: UInt32 = 0
            let firstByte = Int((end - 8) >> 3)
            for i in firstByte...(firstByte + 1) { window = window << 8 | (i < stream.count ? UInt32(stream[i]) : 0) }
            let shift = UInt32(16 - (end - 8 - Int64(firstByte) * 8) - 8)
            let bits = UInt8(truncatingIfNeeded: window >> shift)
            let value = UInt64(bits &- p.lowByte)
            defer { last = p.bitOffset }
            return (UInt64(truncatingIfNeeded: p.bitOffset - last) << 11) | (value << 3) | UInt64(p.state & 7)
        }
    }
}
