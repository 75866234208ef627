// The encoder side of the row-major level loops (see LevelKernels.swift).

/// The arithmetic encoder's registers for the duration of one run of the level loop.
struct LevelEncoderCore {
    var low: UInt32
    var range: UInt32
    var bitsLeft: Int32
    var bufferedByte: UInt8
    var numBufferedBytes: Int
    var written: Int
    let out: UnsafeMutablePointer<UInt8>
    let lps: UnsafePointer<UInt64>
    let steps: UnsafePointer<Int32>
    let fastNext: UnsafePointer<Int8>

    @inline(__always)
    init(_ e: BinEncoder, out: UnsafeMutablePointer<UInt8>, tables: RawTables) {
        low = e.low
        range = e.range
        bitsLeft = e.bitsLeft
        bufferedByte = e.bufferedByte
        numBufferedBytes = e.numBufferedBytes
        written = e.written
        self.out = out
        lps = tables.lpsBySum
        steps = tables.steps
        fastNext = tables.fastNext
    }

    @inline(__always)
    func store(into e: inout BinEncoder) {
        e.low = low
        e.range = range
        e.bitsLeft = bitsLeft
        e.bufferedByte = bufferedByte
        e.numBufferedBytes = numBufferedBytes
        e.written = written
    }

    @inline(__always)
    mutating func writeOut() {
        let leadByte = low >> UInt32(truncatingIfNeeded: 24 &- bitsLeft)
        bitsLeft &+= 8
        low &= 0xFFFF_FFFF >> UInt32(truncatingIfNeeded: bitsLeft)
        if leadByte == 0xFF {
            numBufferedBytes &+= 1
        } else if numBufferedBytes > 0 {
            let carry = leadByte >> 8
            out[written] = bufferedByte &+ UInt8(truncatingIfNeeded: carry)
            written &+= 1
            bufferedByte = UInt8(truncatingIfNeeded: leadByte)
            let fill = UInt8(truncatingIfNeeded: 0xFF &+ carry)
            while numBufferedBytes > 1 {
                out[written] = fill
                written &+= 1
                numBufferedBytes &-= 1
            }
        } else {
            numBufferedBytes = 1
            bufferedByte = UInt8(truncatingIfNeeded: leadByte)
        }
    }

    /// Codes `bin` (0 or 1) with the context at `c`, adapting it.
    @_transparent
    mutating func encode(_ bin: UInt32, _ c: UnsafeMutablePointer<ContextModel>) {
        var m = c.pointee
        let lpsR = m.lpsRange(range, bySum: lps)
        let rMps = range &- lpsR
        if (bin != 0) == (m.sum < 0) {
            let n = UInt32(truncatingIfNeeded: lpsR.leadingZeroBitCount &- 23)
            low = (low &+ rMps) &<< n
            range = lpsR &<< n
            bitsLeft &-= Int32(bitPattern: n)
            if bitsLeft < 12 { writeOut() }
        } else if rMps < 256 {
            low = low &<< 1
            range = rMps &<< 1
            bitsLeft &-= 1
            if bitsLeft < 12 { writeOut() }
        } else {
            range = rMps
        }
        m.update(bin, fastNext: fastNext, steps: steps)
        c.pointee.s0 = m.s0
        c.pointee.sum = m.sum
    }

    /// Bypass-codes the low `count` bits of `bins` (1...32), most significant first. Out of
    /// line: only Exp-Golomb suffixes reach it, and inlined into the level loop (as the
    /// compiler chose once the block-scan rows also called the loop) it tripled the loop's
    /// code and made the row-major encode 12% slower.
    @inline(never)
    mutating func encodeBypass(_ bins: UInt32, count: Int) {
        var remaining = count
        var value = bins
        while remaining > 8 {
            remaining &-= 8
            let pattern = (value >> UInt32(truncatingIfNeeded: remaining)) & 0xFF
            low = (low &<< 8) &+ range &* pattern
            bitsLeft &-= 8
            if bitsLeft < 12 { writeOut() }
        }
        let pattern = value & ((1 &<< UInt32(truncatingIfNeeded: remaining)) &- 1)
        value = pattern
        low = (low &<< UInt32(truncatingIfNeeded: remaining)) &+ range &* value
        bitsLeft &-= Int32(truncatingIfNeeded: remaining)
        if bitsLeft < 12 { writeOut() }
    }

    /// The bins of quantization index `k` (see `binarizeLevel`); `ctx` is the context store.
    @inline(__always)
    mutating func encodeLevel(_ k: Int32, significance: Int, neighbour nb: Int, g: Int,
                              _ ctx: UnsafeMutablePointer<ContextModel>) {
        encode(k != 0 ? 1 : 0, ctx + significance)
        if k == 0 { return }
        let negative = k < 0 ? 1 : 0
        encode(UInt32(negative), ctx + (48 &+ nb))
        let rem = Int(k.magnitude) &- 1
        let gtx = ctx + (53 &+ negative)
        let ones = min(rem, g)
        var j = 0
        while j < ones {
            encode(1, gtx + 2 &* j)
            j &+= 1
        }
        if rem < g {
            encode(0, gtx + 2 &* rem)
            return
        }
        // Remainder r as order-0 Exp-Golomb: n = floor(log2(r + 1)) context-coded ones,
        // a zero, then the n low bits of r + 1 bypass-coded.
        let r1 = UInt32(truncatingIfNeeded: rem &- g) &+ 1
        let n = 31 &- r1.leadingZeroBitCount
        let prefix = ctx + (53 &+ 4 &* g)
        j = 0
        while j < n {
            encode(1, prefix + j)
            j &+= 1
        }
        encode(0, prefix + n)
        if n > 0 { encodeBypass(r1, count: n) }
    }
}

extension LevelEncoderCore {
    /// Codes indices `k[cursor.position..<end]` in row-major order (skipping rows marked in
    /// `rowIsZero`, whose positions count towards `end`).
    @inline(never)
    static func run<Mode: QuantizerMode>(_ mode: Mode.Type, _ coder: inout BinEncoder, out: UnsafeMutablePointer<UInt8>,
                                         _ k: UnsafePointer<Int32>, end: Int, cursor: inout LevelCursor, rowWidth: Int,
                                         rowIsZero: UnsafePointer<Bool>?, g: Int, contexts ctx: UnsafeMutablePointer<ContextModel>) {
        var core = LevelEncoderCore(coder, out: out, tables: RawTables.shared)
        var at = cursor
        while at.position < end {
            if at.atSkippedRow(rowIsZero) {
                at.skipRow(Mode.self, width: rowWidth)
                continue
            }
            let stop = at.segmentEnd(end: end, rowWidth: rowWidth, limit: end)
            var i = at.position
            var state = at.dqState
            var nb = at.neighbour
            while i < stop {
                let value = k[i]
                core.encodeLevel(value, significance: 3 &* state &+ nb, neighbour: nb, g: g, ctx)
                nb = ContextLayout.neighbourClass(value)
                if Mode.dq { state = DependentQuantization.nextState(state, index: value) }
                i &+= 1
            }
            at.dqState = state
            at.neighbour = nb
            at.advance(to: i, rowWidth: rowWidth)
        }
        cursor = at
        core.store(into: &coder)
    }

    static func runLevels(_ coder: inout BinEncoder, out: UnsafeMutablePointer<UInt8>, _ k: UnsafePointer<Int32>,
                          end: Int, cursor: inout LevelCursor, rowWidth: Int, rowIsZero: UnsafePointer<Bool>?,
                          dq: Bool, g: Int, contexts: UnsafeMutablePointer<ContextModel>) {
        if dq {
            run(DependentMode.self, &coder, out: out, k, end: end, cursor: &cursor, rowWidth: rowWidth, rowIsZero: rowIsZero, g: g, contexts: contexts)
        } else {
            run(UniformMode.self, &coder, out: out, k, end: end, cursor: &cursor, rowWidth: rowWidth, rowIsZero: rowIsZero, g: g, contexts: contexts)
        }
    }
}
