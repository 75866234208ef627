// The decoder side of the row-major level loops (see LevelKernels.swift).

/// The arithmetic decoder's registers for the duration of one run of the level loop.
///
/// The input is read without bounds checks: the caller supplies data padded with zeros
/// far enough for the run (see `CABACDecoder.decodeTensor`) and finds overruns from the
/// final position.
struct LevelDecoderCore {
    var range: UInt32
    /// The classic 32-bit value register shifted up by 32, with up to 32 more stream bits
    /// below it, so a refill reads four bytes (`bitsNeeded` counts towards the next one).
    var value: UInt64
    var bitsNeeded: Int
    var next: UnsafePointer<UInt8>
    /// `RawTables.steps`, whose block also holds the fast-state table (the same pointer)
    /// and `lpsBySum` at a constant offset: one register for the three.
    let steps: UnsafePointer<Int32>
    @inline(__always) var fastNext: UnsafePointer<Int8> { UnsafeRawPointer(steps).assumingMemoryBound(to: Int8.self) }
    @inline(__always) var lps: UnsafePointer<UInt64> {
        UnsafeRawPointer(steps).advanced(by: RawTables.lpsOffset).assumingMemoryBound(to: UInt64.self)
    }
    /// Skewed contexts, whose bins are decoded with a branch on the likely MPS, are those
    /// with |sum| >= 768 (LPS table columns 6 and up: LPS ranges 57...102, an LPS
    /// probability below about 0.22). The test reads the context's state only, not the
    /// coder's range: a test on the LPS range itself (≤ 96) flips with the range for
    /// contexts near the threshold, and that branch mispredicted (the DQ loop's first
    /// greater-than flag, P(0) ≈ 0.25, sat right there).
    static var skewedSum: Int32 { 768 }

    /// LPS ranges up to which `decodeSkewedOnes` takes its one-branch step (its contexts
    /// have MPS 1; there a state test, sum >= 768, measured no different).
    static var skewed: UInt32 { 96 }

    @inline(__always)
    static func isSkewed(sum: Int32) -> Bool {
        ((sum >> 7) ^ (sum >> 15)) >= skewedSum >> 7   // |sum >> 7| in ones' complement
    }

    @inline(__always)
    init(_ d: BinDecoder, padded: UnsafePointer<UInt8>, tables: RawTables) {
        range = d.range
        value = UInt64(d.value) &<< 32
        bitsNeeded = Int(d.bitsNeeded)
        next = padded + d.consumed
        steps = tables.steps
    }

    @inline(__always)
    func store(into d: inout BinDecoder, padded: UnsafePointer<UInt8>) {
        d.range = range
        // Back to the byte-wise register: bits valid down to x0 (0...7) of the 32-bit value,
        // the bytes read ahead below it given back.
        let x0 = (bitsNeeded &+ 8) & 7
        d.value = UInt32(truncatingIfNeeded: value &>> 32) & ~((1 << UInt32(x0)) &- 1)
        d.bitsNeeded = Int32(truncatingIfNeeded: x0 &- 8)
        d.consumed = classicNext - padded
        d.missing = max(0, d.consumed - d.inputCount)
    }

    /// The input position of the byte-wise register (bytes read ahead not counted).
    @inline(__always)
    var classicNext: UnsafePointer<UInt8> {
        let x0 = (bitsNeeded &+ 8) & 7
        return next - ((x0 &- bitsNeeded &- 8) >> 3)
    }

    @inline(__always)
    mutating func nextByte() -> UInt32 {
        let b = UInt32(next.pointee)
        next += 1
        return b
    }

    /// The LPS sub-range of a context whose signed `sum` field is `sum`.
    @inline(__always)
    func lpsRange(sum: Int32) -> UInt32 {
        let word = lps[Int((sum >> 7) & 511)]
        return UInt32(truncatingIfNeeded: word &>> UInt64((range >> 2) & 0x38)) & 0xFF
    }

    /// Decodes a bin of context `c`; `marked` when the loop keeps `ContextWord.fixedOne`
    /// marks (the adaptation then clears the context's mark).
    @inline(__always)
    mutating func decode(_ c: UnsafeMutablePointer<ContextModel>, marked: Bool = false) -> UInt32 {
        let w = ContextWord.load(c)
        let sum = ContextWord.sum(w)
        return decode(c, word: w, sum: sum, lpsR: lpsRange(sum: sum), marked: marked)
    }

    /// `decode(_:)` after the context word and its LPS range have been read.
    @inline(__always)
    mutating func decode(_ c: UnsafeMutablePointer<ContextModel>, word w: UInt64, sum: Int32,
                         lpsR: UInt32, marked: Bool = false) -> UInt32 {
        let rMps = range &- lpsR
        let scaled = UInt64(rMps) &<< 39
        let mps = UInt32(truncatingIfNeeded: (sum >> 15) &+ 1)
        let bin: UInt32
        if Self.isSkewed(sum: sum) {
            // A skewed context: the MPS is likely, so branch (predicted) instead of selecting.
            if value < scaled {
                bin = mps
                // At most one renormalization shift, taken without a branch.
                let n = (rMps >> 8) ^ 1
                range = rMps &<< n
                value = value &<< UInt64(n)
                bitsNeeded &+= Int(n)
            } else {
                bin = mps ^ 1
                let n = UInt32(truncatingIfNeeded: lpsR.leadingZeroBitCount &- 23)
                range = lpsR &<< n
                value = (value &- scaled) &<< UInt64(n)
                bitsNeeded &+= Int(n)
            }
        } else {
            let isLps = value >= scaled
            bin = isLps ? mps ^ 1 : mps
            value = isLps ? value &- scaled : value
            let r = isLps ? lpsR : rMps
            let n = UInt32(truncatingIfNeeded: r.leadingZeroBitCount &- 23)
            range = r &<< n
            value = value &<< UInt64(n)
            bitsNeeded &+= Int(n)
        }
        refill()
        if marked {
            ContextWord.adaptClearingMark(c, w, bin: bin, fastNext: fastNext, steps: steps)
        } else {
            ContextWord.adapt(c, w, bin: bin, fastNext: fastNext, steps: steps)
        }
        return bin
    }

    /// Reads the next byte into the value register once eight bits have been shifted out.
    @inline(__always)
    mutating func refill() {
        if bitsNeeded >= 0 {
            let word = UInt32(bigEndian: UnsafeRawPointer(next).loadUnaligned(as: UInt32.self))
            value |= UInt64(word) &<< UInt64(bitsNeeded &+ 8)
            next += 4
            bitsNeeded &-= 32
        }
    }

    /// Decodes `count` (1...32) bypass bins, most significant first: up to sixteen at a
    /// time by one quotient (a multiply by the range's reciprocal, not a division). After
    /// shifting in 16 bits the value is below 510 << 23 < 2^32, where the reciprocal is exact.
    @inline(__always)
    mutating func decodeBypass(count: Int) -> UInt32 {
        var bins: UInt32 = 0
        var remaining = count
        while remaining > 0 {
            let step = min(remaining, 16)
            remaining &-= step
            // Shift `step` bits into the value register (at most two bytes read).
            let s = UInt32(truncatingIfNeeded: step)
            value &<<= UInt64(s)
            bitsNeeded &+= step
            refill()
            // value < range << (39 + step): the quotient is the next `step` bins; value >> 39
            // is the byte-wise register's value >> 7, as `bypassQuotient` takes it.
            let m = lps[512 &+ Int(range & 511)]
            let q = UInt32(truncatingIfNeeded: ((value &>> 39) &* m) &>> RawTables.reciprocalShift)
            value &-= UInt64(q) &* (UInt64(range) &<< 39)
            bins = (bins &<< s) | q
        }
        return bins
    }

    /// Decodes bins with contexts `first`, `first + stride`, ... while they are 1, at most
    /// `limit` of them; returns how many were 1.
    @inline(__always)
    mutating func decodeOnes(_ first: UnsafeMutablePointer<ContextModel>, stride: Int, limit: Int) -> Int {
        var j = 0
        var c = first
        while j < limit {
            if decode(c) == 0 { break }
            j &+= 1
            c += stride
        }
        return j
    }

    /// `decodeOnes` with a separate step for skewed contexts whose MPS is 1. With `marked`
    /// (the greater-than flags of the uniform loop) the contexts keep `ContextWord.fixedOne`
    /// marks: a 1 in a saturated context skips its adaptation (78% of those bins at `-q 15`
    /// with G = 11). The Exp-Golomb prefix runs unmarked: there the mark's branch cost what
    /// the skipped adaptations saved.
    @inline(__always)
    mutating func decodeSkewedOnes(_ first: UnsafeMutablePointer<ContextModel>, stride: Int, limit: Int,
                                   marked: Bool) -> Int {
        var j = 0
        var c = first
        while j < limit {
            let w = ContextWord.load(c)
            let sum = ContextWord.sum(w)
            let lpsR = lpsRange(sum: sum)
            if sum >= 0 && lpsR <= Self.skewed {
                // The common case of long runs (the greater-than flags and Exp-Golomb prefix
                // of large levels): a skewed context whose MPS is 1. The coded bin is known
                // on each side of the one branch, so the adaptation has constant indices.
                let rMps = range &- lpsR
                let scaled = UInt64(rMps) &<< 39
                if value >= scaled {
                    let n = UInt32(truncatingIfNeeded: lpsR.leadingZeroBitCount &- 23)
                    range = lpsR &<< n
                    value = (value &- scaled) &<< UInt64(n)
                    bitsNeeded &+= Int(n)
                    refill()
                    if marked {
                        ContextWord.adaptClearingMark(c, w, bin: 0, fastNext: fastNext, steps: steps)
                    } else {
                        ContextWord.adapt(c, w, bin: 0, fastNext: fastNext, steps: steps)
                    }
                    break
                }
                let n = (rMps >> 8) ^ 1
                range = rMps &<< n
                value = value &<< UInt64(n)
                bitsNeeded &+= Int(n)
                refill()
                if marked {
                    ContextWord.adaptOne(c, w, fastNext: fastNext, steps: steps)
                } else {
                    ContextWord.adapt(c, w, bin: 1, fastNext: fastNext, steps: steps)
                }
            } else if decode(c, word: w, sum: sum, lpsR: lpsR, marked: marked) == 0 {
                break
            }
            j &+= 1
            c += stride
        }
        return j
    }

    /// Decodes one quantization index (the inverse of `encodeLevel`; see `decodeLevel`).
    /// Transparent: with `@inline(__always)` the DQ loop called it once per level, the
    /// coder's registers going through memory at every bin.
    @_transparent
    mutating func decodeLevel<Mode: QuantizerMode>(_ mode: Mode.Type, significance: Int, neighbour nb: Int, g: Int,
                              _ ctx: UnsafeMutablePointer<ContextModel>) -> Int32 {
        if decode(ctx + significance) == 0 { return 0 }
        let negative = decode(ctx + (48 &+ nb))
        let ones = Mode.dq ? decodeOnes(ctx + (53 &+ Int(negative)), stride: 2, limit: g)
                           : decodeSkewedOnes(ctx + (53 &+ Int(negative)), stride: 2, limit: g, marked: true)
        var magnitude = UInt32(truncatingIfNeeded: ones) &+ 1
        if ones == g {
            // Order-0 Exp-Golomb remainder: n ones (at most 31), then n bypass bits.
            let n = Mode.dq ? decodeOnes(ctx + (53 &+ 4 &* g), stride: 1, limit: 31)
                            : decodeSkewedOnes(ctx + (53 &+ 4 &* g), stride: 1, limit: 31, marked: false)
            var r1: UInt32 = 1 &<< UInt32(truncatingIfNeeded: n)
            if n > 0 { r1 &+= decodeBypass(count: n) }
            magnitude &+= r1 &- 1
        }
        let signed = Int32(bitPattern: magnitude)
        return negative != 0 ? 0 &- signed : signed
    }
}
