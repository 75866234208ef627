extension CABACEncoder {
    /// `encodeTensor` for scan orders 1...4 (see `BlockScan`).
    mutating func encodeTensorScanned(_ levels: UnsafeBufferPointer<Int32>, rowWidth: Int,
                                      options: TensorCodingOptions) throws(CABACError) {
        let count = levels.count
        let offset = byteCount
        let scan = BlockScan(geometryOf: count, width: rowWidth, scanOrder: options.scanOrder)
        let joined = segmentRunner != nil && scan.blockRows > 1
        let rows = count / rowWidth
        let dq = options.dependentQuantization
        let skipRows = options.hasRowSkipFlag(count: count, rowWidth: rowWidth) && options.rowSkipping
        let rowIsZero = Self.zeroRows(levels, rowWidth: rowWidth, skipping: skipRows)
        let layout = ContextLayout(unaryLength: options.unaryLength)
        let signalled = layout.signalledContexts(dependentQuantization: dq)
        // The indices and the initialization-set choice do not depend on each other: with a
        // runner and DQ they are found at once (serial work before the rows; without DQ the
        // indices are a copy and the other worker is busy with other tensors by then).
        let (indices, states, chosen) = try Self.scannedPrelude(levels, scan: scan, rowIsZero: rowIsZero, dq: dq, layout: layout,
                                                                signalled: signalled, options: options, byteOffset: offset,
                                                                runner: joined ? segmentRunner : nil)

        var contexts = ContextSet(unaryLength: options.unaryLength).models
        if options.hasRowSkipFlag(count: count, rowWidth: rowWidth) {
            try encodeRowFlags(rowIsZero, rows: rows, skipping: skipRows, layout: layout, contexts: &contexts)
        }
        let perLevel = (7 * (2 + options.unaryLength + 31) + 31) / 8 + 2
        var points: [EncoderEntryPoint] = []
        var start: Int64 = 0
        defer {
            entryPointsPending = points
            entryPointStart = start
        }
        if joined, let runner = segmentRunner {
            try withRoom(signalled.count + 8) { (c: inout BinEncoder) throws(CABACError) in
                Self.encodeInitChoices(&c, chosen, signalled: signalled, layout: layout, contexts: &contexts)
                c.entryPointStart()
                start = c.entryPointBitOffset
            }
            points = try encodeBlockRowsJoined(indices, scan: scan, rowIsZero: rowIsZero, dq: dq, g: options.unaryLength,
                                               contexts: contexts, states: states, perLevel: perLevel, runner: runner)
            return
        }
        try withRoom(signalled.count + 8 + count * perLevel) { (c: inout BinEncoder) throws(CABACError) in
            Self.encodeInitChoices(&c, chosen, signalled: signalled, layout: layout, contexts: &contexts)
            if scan.blockRows > 1 { c.entryPointStart() }
            start = c.entryPointBitOffset
            points = Self.encodeBlockRows(indices, scan: scan, rowIsZero: rowIsZero, dq: dq, g: options.unaryLength,
                                              contexts: &contexts, coder: &c)
        }
    }

    /// Codes the rows of blocks of a scanned tensor one after another on the row-major level
    /// loops (see BlockRowLevels.swift): at each entry point the contexts are reset, the
    /// neighbour cleared and the coder range set to 256. Returns the entry points.
    static func encodeBlockRows(_ indices: [Int32], scan: BlockScan, rowIsZero: [Bool], dq: Bool, g: Int,
                                contexts: inout [ContextModel], coder c: inout BinEncoder) -> [EncoderEntryPoint] {
        var points: [EncoderEntryPoint] = []
        let out = c.output.unsafelyUnwrapped
        indices.withUnsafeBufferPointer { k in
            BlockRowScratch.forEachRow(of: scan, contexts: &contexts, rowIsZero: rowIsZero, entryPoint: { state in
                c.entryPointStart()
                points.append(EncoderEntryPoint(bitOffset: c.entryPointBitOffset, lowByte: c.lowByte, state: state))
            }, row: { r, state, ctx, skips, scratch in
                (LevelEncoderCore.runBlockRow(r, of: scan, indices: k.baseAddress!, rowIsZero: skips, dq: dq, g: g, state: state,
                                              &c, out: out, contexts: ctx, scratch: scratch), true)
            })
        }
        return points
    }

    /// The quantization indices k of `levels` (with DQ the state follows the block scan) and
    /// the DQ state at the start of each row of blocks; without DQ the indices are the levels.
    static func scannedIndices(_ levels: UnsafeBufferPointer<Int32>, scan: BlockScan, rowIsZero: [Bool], dq: Bool,
                               byteOffset offset: Int) throws(CABACError) -> (indices: [Int32], states: [Int]) {
        if !dq {
            if let i = levels.firstIndex(of: Int32.min) {
                throw CABACError(.invalidLevel(index: i, level: Int32.min), byteOffset: offset)
            }
            return (Array(levels), [Int](repeating: 0, count: scan.blockRows))
        }
        var indices = [Int32](repeating: 0, count: levels.count)
        var invalid: (Int, Int32)? = nil
        var states = [0]
        indices.withUnsafeMutableBufferPointer { out in
            var state = 0
            for r in 0..<scan.blockRows {
                if r > 0 { states.append(state) }
                let row = rowIndices(r, levels, scan: scan, rowIsZero: rowIsZero, state: state, into: out.baseAddress!)
                state = row.end
                if invalid == nil { invalid = row.invalid }
            }
        }
        if let (i, level) = invalid { throw CABACError(.invalidLevel(index: i, level: level), byteOffset: offset) }
        return (indices, states)
    }

    /// NNCodec's initialization-set pricing for a scanned tensor: the levels priced along the
    /// scan (the neighbour carries across entry points, the shadow states reset there), at
    /// most `limit` of them (all: exactly NNCodec's choice), in the shadow models of `sets`.
    static func scannedInitSets(_ levels: UnsafeBufferPointer<Int32>, scan: BlockScan, rowIsZero: [Bool], dq: Bool,
                                layout: ContextLayout, sets: Int, limit: Int = Int.max) -> InitSetOptimizer {
        var optimizer = InitSetOptimizer(contextCount: layout.count)
        optimizer.sets = sets
        optimizer.withBoundStorage { optimizer in
            var neighbour = 0
            var state = 0
            var priced = 0
            // NNCodec prices reconstruction levels here and keeps the neighbour across
            // entry points; only the shadow states are reset there.
            for r in 0..<scan.blockRows where priced < limit {
                if r > 0 { optimizer.resetStates() }
                state = scan.walkBlockRow(r, rowIsZero: rowIsZero, dependentQuantization: dq, state: state) { position, s in
                    if priced < limit {
                        let level = levels[position]
                        binarizeLevel(level, state: s, neighbourClass: neighbour, layout: layout, into: &optimizer)
                        neighbour = ContextLayout.neighbourClass(level)
                        priced += 1
                    }
                    // The index of the level in its state (as `scannedIndices` finds it; an
                    // invalid level is reported there).
                    let level = levels[position]
                    return dq ? DependentQuantization.index(reconstructionLevel: level, state: s) ?? 0 : level
                }
            }
        }
        return optimizer
    }
}

extension CABACDecoder {
    /// `decodeTensor` for scan orders 1...4 on the row-major level loops (see
    /// BlockRowLevels.swift), reading `padded` (the data and `LevelDecoderCore.padding` zero
    /// bytes); appends NNCodec's entry points (bit offset delta << 11 | value << 3 | DQ state)
    /// to `entryPoints`. Stops after a row of blocks during which the data ran out.
    mutating func decodeTensorScanned<Out: LevelOutput>(_ output: Out, count: Int, rowWidth: Int, options: TensorCodingOptions,
                                                        padded: UnsafePointer<UInt8>, contexts: inout [ContextModel],
                                                        rowIsZero: [Bool], entryPoints: inout [UInt64]) {
        let scan = BlockScan(geometryOf: count, width: rowWidth, scanOrder: options.scanOrder)
        let dq = options.dependentQuantization
        let g = options.unaryLength
        var core = self.core
        core.bind(padded, count: bytes.count)
        var points: [UInt64] = []
        if scan.blockRows > 1 { core.entryPointStart() }
        var last = core.entryPointBitOffset
        BlockRowScratch.forEachRow(of: scan, contexts: &contexts, rowIsZero: rowIsZero, entryPoint: { state in
            core.entryPointStart()
            let offset = core.entryPointBitOffset
            points.append((UInt64(truncatingIfNeeded: offset - last) << 11) | (core.entryPointValue << 3) | UInt64(state & 7))
            last = offset
        }, row: { r, state, ctx, skips, scratch in
            let end = LevelDecoderCore.runBlockRow(r, of: scan, rowIsZero: skips, dq: dq, g: g, state: state, &core,
                                                   padded: padded, output, contexts: ctx, scratch: scratch)
            return (end.state, end.whole)
        })
        core.bind(nil, count: bytes.count)
        self.core = core
        entryPoints += points
    }
}
