extension BinDecoder {
    /// Places the decoder at an entry point as NNCodec's `BinDec::setEntryPoint` does: range
    /// 256, the reader `bitOffset` + 9 bits into the data, and the value register rebuilt from
    /// the entry point's 8 value bits and the 7 stream bits after them that were already read.
    @inlinable
    mutating func seek(bitOffset: Int64, value v: UInt32) {
        range = 256
        let total = bitOffset + 9
        var bytesRead = Int(total >> 3)
        var needed = Int32(total & 7) - 9
        if total & 7 != 0 { bytesRead += 1 } else { needed += 8 }
        consumed = bytesRead
        bitsNeeded = needed
        missing = max(0, bytesRead - inputCount)
        let last = bytesRead >= 1 && bytesRead - 1 < inputCount ? UInt32(input.unsafelyUnwrapped[bytesRead - 1]) : 0
        value = (v & 255) << 7 &+ ((last << UInt32(8 + needed)) & 127)
    }
}

/// A scanned tensor whose rows of blocks can be decoded independently, from the entry
/// points its unit header lists (NNCodec's packed form: bit offset << 11 | value << 3 | DQ
/// state; the offsets absolute here).
public struct BlockRowDecoding: Sendable {
    let scan: BlockScan
    let contexts: [ContextModel]
    let rowIsZero: [Bool]
    let dq: Bool
    let unaryLength: Int
    let starts: [(offset: Int64, value: UInt32, state: Int)]
    /// The stream's data and `LevelDecoderCore.padding` zero bytes, for the level loops.
    let padded: [UInt8]

    /// The tensor's element count.
    var count: Int { scan.width * scan.height }
    /// Rows of blocks: jobs that may run at once.
    public var rows: Int { starts.count }
    /// The tensor positions row `r` fills (contiguous).
    public func positions(ofRow r: Int) -> Range<Int> { scan.positions(ofBlockRow: r) }
}

extension CABACDecoder {
    /// For a tensor with scan order > 0 and the entry points `entryPoints` (as the unit
    /// header carries them: the first offset relative to the start of the levels): decodes
    /// what precedes the levels and returns the independent rows; nil when the tensor has a
    /// single row of blocks or the list does not have one entry per later row (the
    /// sequential `decodeTensor` then decodes it and reports the mismatch).
    public mutating func beginBlockRows(count: Int, rowWidth: Int, options: TensorCodingOptions,
                                        entryPoints: [UInt64]) throws(CABACError) -> BlockRowDecoding? {
        guard rowWidth >= 1, count % rowWidth == 0, (1...256).contains(options.unaryLength),
              options.effectiveScanOrder(count: count, rowWidth: rowWidth) != 0, (1...4).contains(options.scanOrder) else { return nil }
        let scan = BlockScan(geometryOf: count, width: rowWidth, scanOrder: options.scanOrder)
        guard scan.blockRows > 1, entryPoints.count == scan.blockRows - 1 else { return nil }
        let prefix = try decodePrefix(count: count, rowWidth: rowWidth, options: options)
        var core = self.core
        core.entryPointStart()
        guard core.value >> 7 < 256 else { return nil }   // not an entry point the 8 value bits describe
        var offset = core.entryPointBitOffset
        var starts = [(offset: offset, value: UInt32(core.entryPointValue), state: 0)]
        // Offsets past the data (or wrapping) are corrupt: the one-pass decode reports them.
        let end = 8 * Int64(bytes.count)
        for p in entryPoints {
            let (next, overflow) = offset.addingReportingOverflow(Int64(truncatingIfNeeded: p >> 11))
            guard !overflow, next <= end else { return nil }
            offset = next
            starts.append((offset, UInt32((p >> 3) & 255), Int(p & 7)))
        }
        let padded = bytes + repeatElement(0, count: LevelDecoderCore.padding(unaryLength: options.unaryLength))
        return BlockRowDecoding(scan: scan, contexts: prefix.contexts, rowIsZero: prefix.rowIsZero,
                                dq: options.dependentQuantization, unaryLength: options.unaryLength, starts: starts,
                                padded: padded)
    }

    /// Decodes row `r` of `rows` into its positions of `output` (the whole tensor) from its
    /// entry point. Returns the decoder after the row (for the last row, ready for `finish()`)
    /// and whether the row ended where the next entry point says, with its value and DQ
    /// state, and within the data: only then do the rows decode as one sequential pass would.
    public func decodeBlockRow(_ r: Int, of rows: BlockRowDecoding,
                               into output: UnsafeMutablePointer<Int32>) -> (decoder: CABACDecoder, consistent: Bool) {
        decodeBlockRow(r, of: rows, LevelsOutput(buffer: UnsafeMutableBufferPointer(start: output, count: rows.count)))
    }

    /// `decodeBlockRow(_:of:into:)` storing `Float(level) * stepSize` (the tensor's values, as
    /// `decodeValues` computes them) instead of the levels.
    public func decodeBlockRow(_ r: Int, of rows: BlockRowDecoding, into values: UnsafeMutablePointer<Float>,
                               stepSize: Float) -> (decoder: CABACDecoder, consistent: Bool) {
        decodeBlockRow(r, of: rows, ValuesOutput(buffer: UnsafeMutableBufferPointer(start: values, count: rows.count), step: stepSize))
    }

    func decodeBlockRow<Out: LevelOutput>(_ r: Int, of rows: BlockRowDecoding, _ output: Out) -> (decoder: CABACDecoder, consistent: Bool) {
        var decoder = self
        let start = rows.starts[r]
        var contexts = rows.contexts
        var end = (state: 0, whole: false)
        var core = decoder.core
        rows.padded.withUnsafeBufferPointer { padded in
            core.bind(padded.baseAddress, count: bytes.count)
            core.seek(bitOffset: start.offset, value: start.value)
            BlockRowScratch.with(rows.scan) { scratch in
                contexts.withUnsafeMutableBufferPointer { ctx in
                    rows.rowIsZero.withUnsafeBufferPointer { rz in
                        end = LevelDecoderCore.runBlockRow(r, of: rows.scan, rowIsZero: rows.rowIsZero.isEmpty ? nil : rz.baseAddress,
                                                           dq: rows.dq, g: rows.unaryLength, state: start.state, &core,
                                                           padded: padded.baseAddress!, output, contexts: ctx.baseAddress!,
                                                           scratch: scratch)
                    }
                }
            }
        }
        core.bind(nil, count: bytes.count)
        decoder.core = core
        var consistent = end.whole && core.overrun == 0
        if r + 1 < rows.rows {
            var next = core
            next.entryPointStart()
            let point = rows.starts[r + 1]
            consistent = consistent && next.entryPointBitOffset == point.offset && UInt32(next.entryPointValue) == point.value
                && end.state == point.state && next.value >> 7 < 256
        }
        return (decoder, consistent)
    }
}
