/// The binary arithmetic decoder of DeepCABAC, reading from caller-provided memory.
///
/// Reads past the end of the data supply zero bytes and are counted in `overrun`, so a
/// truncated stream can never fault; the owner (`CABACDecoder`) turns a non-zero overrun
/// into an error. Bytes are fetched once per eight bits, so that is the only bounds check.
public struct BinDecoder {
    @usableFromInline var range: UInt32 = 510
    @usableFromInline var value: UInt32 = 0
    @usableFromInline var bitsNeeded: Int32 = -8
    @usableFromInline var input: UnsafePointer<UInt8>?
    @usableFromInline var inputCount: Int = 0
    @usableFromInline var consumed: Int = 0
    @usableFromInline var missing: Int = 0

    /// Bytes consumed so far (including bytes read past the end).
    @inlinable public var position: Int { consumed }
    /// Bytes that were needed beyond the end of the data.
    @inlinable public var overrun: Int { missing }

    @inlinable
    public init() {}

    /// Points the decoder at the data (the same bytes each time; `position` is kept).
    @inlinable
    mutating func bind(_ pointer: UnsafePointer<UInt8>?, count: Int) {
        input = pointer
        inputCount = count
    }

    @inlinable @inline(__always)
    mutating func nextByte() -> UInt32 {
        let p = consumed
        consumed &+= 1
        if p < inputCount { return UInt32(input.unsafelyUnwrapped[p]) }
        missing &+= 1
        return 0
    }

    /// Primes the value register with the first two bytes.
    @inlinable
    mutating func start() {
        range = 510
        bitsNeeded = -8
        value = nextByte() << 8
        value |= nextByte()
    }

    @inlinable @inline(__always)
    public mutating func decodeBin(context: inout ContextModel) -> UInt32 {
        let lps = context.lpsRange(range)
        let mpsRange = range &- lps
        let bin: UInt32
        if (value >> 7) < mpsRange {
            bin = context.mps
            range = mpsRange
        } else {
            bin = 1 &- context.mps
            value &-= mpsRange << 7
            range = lps
        }
        let n = Int32(range.leadingZeroBitCount - 23)
        range &<<= UInt32(n)
        value &<<= UInt32(n)
        bitsNeeded += n
        if bitsNeeded >= 0 {
            value &+= nextByte() << UInt32(bitsNeeded)
            bitsNeeded -= 8
        }
        context.update(bin)
        return bin
    }

    @inlinable @inline(__always)
    public mutating func decodeBypass() -> UInt32 {
        value &+= value
        bitsNeeded += 1
        if bitsNeeded >= 0 {
            value &+= nextByte()
            bitsNeeded = -8
        }
        let scaledRange = range << 7
        if value >= scaledRange {
            value &-= scaledRange
            return 1
        }
        return 0
    }

    /// Decodes `count` (0...32) bypass bins, most significant first.
    @inlinable
    public mutating func decodeBypassBins(count: Int) -> UInt32 {
        var bins: UInt32 = 0
        var i = 0
        while i < count {
            bins = (bins &<< 1) | decodeBypass()
            i += 1
        }
        return bins
    }

    /// Decodes the terminating bin.
    @inlinable
    public mutating func decodeTerminatingBin() -> UInt32 {
        range &-= 2
        let scaledRange = range << 7
        if value >= scaledRange { return 1 }
        if range < 256 {
            range &+= range
            value &+= value
            bitsNeeded += 1
            if bitsNeeded == 0 {
                value &+= nextByte()
                bitsNeeded = -8
            }
        }
        return 0
    }

    /// Whether the last byte read ends with the stop pattern (a 1 bit, then zeros), as
    /// the encoder's `flush()` leaves it after a terminating bin of 1.
    var hasStopPattern: Bool {
        guard position >= 1, position - 1 < inputCount, let input else { return false }
        let last = UInt32(input[position - 1])
        return ((last << UInt32(8 + bitsNeeded)) & 0xFF) == 0x80
    }

    /// Starts an entry point: the range becomes 256 (the state is otherwise kept).
    @inlinable
    public mutating func entryPointStart() { range = 256 }

    /// NNCodec's entry-point bit offset: bits consumed, counted as its decoder does.
    @inlinable
    var entryPointBitOffset: Int64 { 8 * Int64(consumed) - 8 + Int64(bitsNeeded) }

    /// The 8 value bits an entry point stores.
    @inlinable
    var entryPointValue: UInt64 { UInt64((value >> 7) & 255) }
}
