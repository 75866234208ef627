/// Runs `body(i)` for every `i` in `0..<count`, possibly on several threads at once, and
/// returns when all are done (the caller's thread pool; the coder owns no threads).
public typealias SegmentRunner = (_ count: Int, _ body: (Int) -> Void) -> Void

/// One row of blocks coded on its own, as from an entry point: a fresh coder with low 0 and
/// range 256, contexts at their initial state, the neighbour cleared.
///
/// Every step of the coder either shifts the low register or adds a range to it, and the
/// ranges do not depend on the low register; so coding the row after a prefix whose low is
/// X gives X · 2^m + Y, where Y (an integer of m + 9 bits) is what the fresh coder reaches
/// after its m shifts. `value` holds Y, most significant bit first.
struct CodedBlockRow {
    var value: [UInt8]
    var bitCount: Int
    /// The coder's range after the row (the next row starts at 256 again).
    var range: UInt32
}

extension BinEncoder {
    /// The coded value so far as an integer of `entryPointBitOffset` + 9 bits (the finished
    /// bytes, the pending ones with the low register's carry, then the low register's bits),
    /// most significant bit first, zero-padded to whole bytes.
    func codeValue() -> (bytes: [UInt8], bitCount: Int) {
        var out = [UInt8](UnsafeBufferPointer(start: output, count: written))
        let lowBits = UInt32(32 - bitsLeft)
        let carry = UInt8(truncatingIfNeeded: low >> lowBits)
        if numBufferedBytes > 0 {
            out.append(bufferedByte &+ carry)
            for _ in 1..<numBufferedBytes { out.append(carry != 0 ? 0x00 : 0xFF) }
        }
        let padded = (lowBits + 7) / 8 * 8
        let rest = UInt64(low & ((1 << lowBits) &- 1)) << UInt64(padded - lowBits)
        var shift = Int(padded) - 8
        while shift >= 0 {
            out.append(UInt8(truncatingIfNeeded: rest >> UInt64(shift)))
            shift -= 8
        }
        return (out, Int(entryPointBitOffset) + 9)
    }

    /// Continues the stream with a row coded on its own (see `CodedBlockRow`): the low
    /// register becomes X · 2^m + Y, with the carries and pending bytes of ordinary coding.
    mutating func append(_ row: CodedBlockRow) {
        row.value.withUnsafeBufferPointer { bytes in
            var next = 0
            var window: UInt64 = 0
            var windowBits = 0
            func read(_ k: Int) -> UInt32 {
                while windowBits < k {
                    window = window << 8 | UInt64(next < bytes.count ? bytes[next] : 0)
                    next += 1
                    windowBits += 8
                }
                windowBits -= k
                return UInt32(truncatingIfNeeded: (window >> UInt64(windowBits)) & ((1 << UInt64(k)) - 1))
            }
            low &+= read(9)
            var remaining = row.bitCount - 9
            while remaining > 0 {
                let k = min(8, remaining)
                low = (low &<< UInt32(k)) &+ read(k)
                bitsLeft -= Int32(k)
                if bitsLeft < 12 { writeOut() }
                remaining -= k
            }
        }
        range = row.range
    }
}

extension CABACEncoder {
    /// Codes block row `r` of `indices` on its own, from DQ state `state`, with `contexts`
    /// (the tensor's contexts after its initialization choices), on the row-major level loops.
    static func codeBlockRow(_ r: Int, indices: [Int32], scan: BlockScan, rowIsZero: [Bool], dq: Bool,
                             g: Int, contexts: [ContextModel], state: Int, perLevel: Int) -> CodedBlockRow {
        var ctx = contexts
        let capacity = scan.positions(ofBlockRow: r).count * perLevel + 64
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        var coder = BinEncoder()
        coder.bind(buffer)
        coder.entryPointStart()
        BlockRowScratch.with(scan) { scratch in
            ctx.withUnsafeMutableBufferPointer { p in
                indices.withUnsafeBufferPointer { k in
                    rowIsZero.withUnsafeBufferPointer { rz in
                        _ = LevelEncoderCore.runBlockRow(r, of: scan, indices: k.baseAddress!,
                                                         rowIsZero: rowIsZero.isEmpty ? nil : rz.baseAddress, dq: dq, g: g,
                                                         state: state, &coder, out: buffer, contexts: p.baseAddress!,
                                                         scratch: scratch)
                    }
                }
            }
        }
        let (bytes, bits) = coder.codeValue()
        return CodedBlockRow(value: bytes, bitCount: bits, range: coder.range)
    }

    /// Codes the rows of blocks of a scanned tensor through `runner` (each on its own, see
    /// `CodedBlockRow`) and joins them in order after the initialization choices already in
    /// the stream: the same bytes and entry points as coding them one after another.
    /// `states[r]` is the DQ state at the start of row `r`. The join is one more item after
    /// the rows: taken once every row is taken (runners take items in index order), it appends
    /// the rows as they finish while the last ones are still coded; whatever it has not
    /// appended (a runner in another order) is appended after the runner returns.
    mutating func encodeBlockRowsJoined(_ indices: [Int32], scan: BlockScan, rowIsZero: [Bool], dq: Bool, g: Int,
                                        contexts: [ContextModel], states: [Int], perLevel: Int,
                                        runner: SegmentRunner) throws(CABACError) -> [EncoderEntryPoint] {
        let n = scan.blockRows
        let rows = UnsafeMutablePointer<CodedBlockRow?>.allocate(capacity: n)
        rows.initialize(repeating: nil, count: n)
        defer {
            rows.deinitialize(count: n)
            rows.deallocate()
        }
        let progress = RowProgress(count: n)
        var points: [EncoderEntryPoint] = []
        var joined = 0
        func appendNext() {
            let row = rows[joined]!
            try! withRoom(row.value.count + 16) { (c: inout BinEncoder) throws(CABACError) in
                c.entryPointStart()
                if joined > 0 { points.append(EncoderEntryPoint(bitOffset: c.entryPointBitOffset, lowByte: c.lowByte, state: states[joined])) }
                c.append(row)
            }
            joined += 1
        }
        runner(n + 1) { r in
            if r < n {
                progress.start(r)
                rows[r] = Self.codeBlockRow(r, indices: indices, scan: scan, rowIsZero: rowIsZero, dq: dq, g: g,
                                            contexts: contexts, state: states[r], perLevel: perLevel)
                progress.finish(r)
            } else {
                while joined < n && progress.waitIfStarted(joined) { appendNext() }
            }
        }
        while joined < n { appendNext() }
        return points
    }
}
