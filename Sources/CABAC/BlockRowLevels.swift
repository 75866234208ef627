// Rows of blocks (scan orders 1...4) on the row-major level loops of LevelEncoderCore and
// LevelDecoderLoop. A row of blocks covers whole matrix rows — one contiguous range of
// positions — in a fixed order: blocks left to right, the rows of each block top to bottom.
// Its levels are gathered into a buffer in that order, where the full-width blocks form rows
// of `block` positions and the last, narrower block (when the width is not a multiple of the
// block) rows of its own width: two runs of the row-major loops, the DQ state and neighbour
// carried from the first to the second. A skipped matrix row is then one skipped row per
// block, each moving the DQ state by a whole matrix row of zeros (`LevelRows.zeros`), as
// `BlockScan.walkBlockRow` (NNCodec) does. The decoder scatters the levels back.

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

    /// Calls `body(offset, count, rows)` for the (one or two) runs of the row-major loops that
    /// code row of blocks `r` gathered in coding order: the full-width blocks as rows of
    /// `block`, then the narrower last block as rows of its width. `rowIsZero` holds the
    /// tensor's row-skip flags (nil: no rows skipped); the first run's flags go to `scratch`.
    @inline(__always)
    func forEachRun(ofBlockRow r: Int, rowIsZero: UnsafePointer<Bool>?, scratch: BlockRowScratch,
                    _ body: (_ offset: Int, _ count: Int, _ rows: LevelRows) -> Void) {
        let y0 = r &* block
        let rows = min(block, height &- y0)
        let fullBlocks = width / block
        let last = width &- fullBlocks &* block
        let fullCount = fullBlocks &* rows &* block
        if fullCount > 0 {
            var flags: UnsafePointer<Bool>? = nil
            if let rowIsZero {
                for b in 0..<fullBlocks { (scratch.rowIsZero + b &* rows).update(from: rowIsZero + y0, count: rows) }
                flags = UnsafePointer(scratch.rowIsZero)
            }
            body(0, fullCount, LevelRows(width: block, zeros: width, rowIsZero: flags))
        }
        if last > 0 {
            body(fullCount, rows &* last, LevelRows(width: last, zeros: width, rowIsZero: rowIsZero.map { $0 + y0 }))
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
        scan.forEachRun(ofBlockRow: r, rowIsZero: rowIsZero, scratch: scratch) { offset, count, rows in
            var run = LevelCursor(continuing: cursor)
            runLevels(&coder, out: out, scratch.levels + offset, end: count, cursor: &run, rows: rows, dq: dq, g: g,
                      contexts: contexts)
            cursor = run
        }
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
        scan.forEachRun(ofBlockRow: r, rowIsZero: rowIsZero, scratch: scratch) { offset, count, rows in
            guard whole else { return }
            var run = LevelCursor(continuing: cursor)
            let levels = LevelsOutput(buffer: UnsafeMutableBufferPointer(start: scratch.levels + offset, count: count))
            runLevels(&coder, padded: padded, levels, end: count, cursor: &run, rows: rows, dq: dq, g: g, contexts: contexts)
            whole = run.position == count
            cursor = run
        }
        scan.scatter(blockRow: r, from: scratch.levels, into: out)
        return (cursor.dqState, whole)
    }
}
