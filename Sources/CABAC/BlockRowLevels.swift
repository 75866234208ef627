// Rows of blocks (scan orders 1...4) on the row-major level loops of LevelEncoderCore and
// LevelDecoderLoop. A row of blocks covers whole matrix rows — one contiguous range of
// positions — in a fixed order: blocks left to right, the rows of each block top to bottom.
// Its levels are gathered into a buffer in that order, where the full-width blocks form rows
// of `block` positions and the last, narrower block (when the width is not a multiple of the
// block) rows of its own width: two runs of the row-major loops, the DQ state and neighbour
// carried from the first to the second. The decoder scatters the levels back.
// A skipped matrix row is one skipped row per block there. NNCodec (`BlockScan.walkBlockRow`)
// moves the DQ state by a whole matrix row of zeros per skipped segment; the loops move it by
// their row width, which is the same (the state depends on the count mod 4) for the last
// block (matrix width − its width is a multiple of the block) and for the full blocks when
// the matrix width is a multiple of 4. Otherwise, with DQ, the full blocks' run is split at
// its skipped rows and the caller moves the state (`skip`).

/// Buffers for coding the rows of blocks of one tensor, one row at a time (one per thread).
struct BlockRowScratch {
    /// A row of blocks' indices or levels in coding order.
    let levels: UnsafeMutablePointer<Int32>
    /// Row-skip flags of the full-width blocks' rows, block after block.
    let rowIsZero: UnsafeMutablePointer<Bool>

    /// Runs `body` with buffers for rows of blocks of `scan`, freed afterwards.
    static func with<R, E: Error>(_ scan: BlockScan, _ body: (BlockRowScratch) throws(E) -> R) throws(E) -> R {
        let levelCount = scan.block * scan.width
        let flagCount = scan.block * (scan.width / scan.block)
        let scratch = BlockRowScratch(levels: .allocate(capacity: levelCount), rowIsZero: .allocate(capacity: max(1, flagCount)))
        scratch.levels.initialize(repeating: 0, count: levelCount)
        defer {
            scratch.levels.deallocate()
            scratch.rowIsZero.deallocate()
        }
        return try body(scratch)
    }

    /// The rows of blocks of `scan` one after another, as both coders walk them: scratch
    /// buffers, the contexts and the row-skip flags bound once; before each row after the
    /// first the contexts are reset and `entryPoint(state)` marks the entry point. `row(r,
    /// state, …)` codes row `r` from DQ state `state` and returns the state after it and
    /// whether to go on.
    static func forEachRow(of scan: BlockScan, contexts: inout [ContextModel], rowIsZero: [Bool],
                           entryPoint: (_ state: Int) -> Void,
                           row: (_ r: Int, _ state: Int, _ contexts: UnsafeMutablePointer<ContextModel>,
                                 _ skips: UnsafePointer<Bool>?, _ scratch: BlockRowScratch) -> (state: Int, goOn: Bool)) {
        with(scan) { scratch in
            contexts.withUnsafeMutableBufferPointer { ctx in
                rowIsZero.withUnsafeBufferPointer { rz in
                    let skips = rowIsZero.isEmpty ? nil : rz.baseAddress
                    var state = 0
                    for r in 0..<scan.blockRows {
                        if r > 0 {
                            for i in 0..<ctx.count { ctx[i].reset() }
                            entryPoint(state)
                        }
                        let end = row(r, state, ctx.baseAddress!, skips, scratch)
                        state = end.state
                        if !end.goOn { break }
                    }
                }
            }
        }
    }
}

extension BlockScan {
    /// Calls `body(position, count)` for the runs of contiguous positions of row of blocks `r`
    /// in coding order (one block's part of one matrix row each).
    @inline(__always)
    func forEachSegment(ofBlockRow r: Int, _ body: (_ position: Int, _ count: Int) -> Void) {
        let y0 = r &* block
        let y1 = min(y0 &+ block, height)
        var bx = 0
        while bx < width {
            let count = min(block, width &- bx)
            for y in y0..<y1 { body(y &* width &+ bx, count) }
            bx &+= block
        }
    }

    /// Copies row of blocks `r` of `source` (the whole tensor, by position) into `buffer` in
    /// coding order.
    func gather(blockRow r: Int, from source: UnsafePointer<Int32>, into buffer: UnsafeMutablePointer<Int32>) {
        var next = buffer
        forEachSegment(ofBlockRow: r) { position, count in
            next.update(from: source + position, count: count)
            next += count
        }
    }

    /// Stores the levels of row of blocks `r`, in coding order in `buffer`, at their positions.
    func scatter<Out: LevelOutput>(blockRow r: Int, from buffer: UnsafePointer<Int32>, into out: Out) {
        var next = buffer
        forEachSegment(ofBlockRow: r) { position, count in
            for i in 0..<count { out.put(next[i], at: position &+ i) }
            next += count
        }
    }

    /// Calls `run(offset, count, width, rowIsZero)` for the runs of the row-major loops that
    /// code row of blocks `r` gathered in coding order (positions `offset..<offset + count` in
    /// rows of `width`, `rowIsZero` their skip flags, nil for none), and `skip(offset, count)`
    /// for a skipped segment the caller steps over itself (moving the DQ state by a matrix
    /// row of zeros), in coding order. `rowIsZero` holds the tensor's row-skip flags (nil: no
    /// rows skipped); the full blocks' flags go to `scratch`.
    @inline(__always)
    func forEachRun(ofBlockRow r: Int, rowIsZero: UnsafePointer<Bool>?, dq: Bool, scratch: BlockRowScratch,
                    run: (_ offset: Int, _ count: Int, _ width: Int, _ rowIsZero: UnsafePointer<Bool>?) -> Void,
                    skip: (_ offset: Int, _ count: Int) -> Void) {
        let y0 = r &* block
        let rows = min(block, height &- y0)
        let fullBlocks = width / block
        let last = width &- fullBlocks &* block
        let fullCount = fullBlocks &* rows &* block
        if fullCount > 0, let rowIsZero {
            let flags = scratch.rowIsZero
            for b in 0..<fullBlocks { (flags + b &* rows).update(from: rowIsZero + y0, count: rows) }
            if dq && width & 3 != 0 {
                forEachRowRun(rows: fullBlocks &* rows, width: block, flags: flags, run: run, skip: skip)
            } else {
                run(0, fullCount, block, UnsafePointer(flags))
            }
        } else if fullCount > 0 {
            run(0, fullCount, block, nil)
        }
        if last > 0 { run(fullCount, rows &* last, last, rowIsZero.map { $0 + y0 }) }
    }

    /// `forEachRun`'s split: rows of `width` from offset 0, runs of unskipped rows to `run`,
    /// each skipped row to `skip`.
    @inline(__always)
    private func forEachRowRun(rows: Int, width: Int, flags: UnsafePointer<Bool>,
                               run: (Int, Int, Int, UnsafePointer<Bool>?) -> Void, skip: (Int, Int) -> Void) {
        var row = 0
        while row < rows {
            if flags[row] {
                skip(row &* width, width)
                row &+= 1
                continue
            }
            var end = row &+ 1
            while end < rows && !flags[end] { end &+= 1 }
            run(row &* width, (end &- row) &* width, width, nil)
            row = end
        }
    }
}

extension LevelCursor {
    /// A cursor at the start of a run that continues with the DQ state and neighbour of `other`.
    @inline(__always)
    init(continuing other: LevelCursor) {
        self.init()
        dqState = other.dqState
        neighbour = other.neighbour
    }
}

extension LevelEncoderCore {
    /// Codes row of blocks `r` of `indices` (the whole tensor, by position), starting in DQ
    /// state `state` with neighbour class 0; returns the DQ state after the row.
    static func runBlockRow(_ r: Int, of scan: BlockScan, indices: UnsafePointer<Int32>, rowIsZero: UnsafePointer<Bool>?,
                            dq: Bool, g: Int, state: Int, _ coder: inout BinEncoder, out: UnsafeMutablePointer<UInt8>,
                            contexts: UnsafeMutablePointer<ContextModel>, scratch: BlockRowScratch) -> Int {
        scan.gather(blockRow: r, from: indices, into: scratch.levels)
        var cursor = LevelCursor()
        cursor.dqState = state
        scan.forEachRun(ofBlockRow: r, rowIsZero: rowIsZero, dq: dq, scratch: scratch, run: { offset, count, width, flags in
            var run = LevelCursor(continuing: cursor)
            runLevels(&coder, out: out, scratch.levels + offset, end: count, cursor: &run, rowWidth: width, rowIsZero: flags,
                      dq: dq, g: g, contexts: contexts)
            cursor = run
        }, skip: { _, _ in
            cursor.dqState = DependentQuantization.stateAfterZeros(cursor.dqState, count: scan.width)
        })
        return cursor.dqState
    }
}

extension LevelDecoderCore {
    /// Decodes row of blocks `r` into its positions of `out`, starting in DQ state `state` with
    /// neighbour class 0, from `coder` reading `padded` (see `LevelDecoderCore`). Returns the
    /// DQ state after the row and whether the row was decoded whole (not when the data ran
    /// out; every position of the row is written either way).
    static func runBlockRow<Out: LevelOutput>(_ r: Int, of scan: BlockScan, rowIsZero: UnsafePointer<Bool>?, dq: Bool,
                                              g: Int, state: Int, _ coder: inout BinDecoder, padded: UnsafePointer<UInt8>,
                                              _ out: Out, contexts: UnsafeMutablePointer<ContextModel>,
                                              scratch: BlockRowScratch) -> (state: Int, whole: Bool) {
        var cursor = LevelCursor()
        cursor.dqState = state
        var whole = true
        scan.forEachRun(ofBlockRow: r, rowIsZero: rowIsZero, dq: dq, scratch: scratch, run: { offset, count, width, flags in
            guard whole else { return }
            var run = LevelCursor(continuing: cursor)
            let levels = LevelsOutput(buffer: UnsafeMutableBufferPointer(start: scratch.levels + offset, count: count))
            runLevels(&coder, padded: padded, levels, end: count, cursor: &run, rowWidth: width, rowIsZero: flags, dq: dq, g: g,
                      contexts: contexts)
            whole = run.position == count
            cursor = run
        }, skip: { offset, count in
            (scratch.levels + offset).update(repeating: 0, count: count)
            cursor.dqState = DependentQuantization.stateAfterZeros(cursor.dqState, count: scan.width)
        })
        scan.scatter(blockRow: r, from: scratch.levels, into: out)
        return (cursor.dqState, whole)
    }
}
