/// The coding order of scan orders 1...4 (blocks of 8, 16, 32 or 64 square) and the events
/// NNCodec 2.1.3 attaches to it.
///
/// Blocks are visited row of blocks by row of blocks, left to right; inside a block the
/// positions go row by row. With row skipping, an all-zero matrix row is skipped one block
/// segment at a time, and — as NNCodec does — every skipped segment advances the DQ state
/// by a whole row width of zeros. After the last position of each row of blocks (except the
/// very last position) contexts are reset, the neighbour is cleared and the coder range is
/// set to 256: the entry points of the stream.
@usableFromInline
struct BlockScan: Sendable {
    @usableFromInline let width: Int
    @usableFromInline let height: Int
    @usableFromInline let block: Int
    /// Matrix positions in coding order.
    @usableFromInline let order: [Int]

    /// Scan of a `count`-element tensor in rows of `width`, for scan order `scanOrder` > 0.
    @usableFromInline
    init(count: Int, width: Int, scanOrder: Int) {
        self.width = width
        height = count / width
        block = 4 << scanOrder
        var order = [Int]()
        order.reserveCapacity(count)
        var by = 0
        while by < height {
            var bx = 0
            while bx < width {
                for y in by..<min(by + block, height) {
                    for x in bx..<min(bx + block, width) { order.append(y * width + x) }
                }
                bx += block
            }
            by += block
        }
        self.order = order
    }

    /// The geometry only (an empty `order`), for walking rows of blocks with `walkBlockRow`.
    @usableFromInline
    init(geometryOf count: Int, width: Int, scanOrder: Int) {
        self.width = width
        height = count / width
        block = 4 << scanOrder
        order = []
    }

    /// Rows of blocks; entry points exist when there is more than one.
    @usableFromInline var blockRows: Int { (height + block - 1) / block }

    /// Walks the scan. `code(position, dqState)` codes one level and returns its quantization
    /// index (for the DQ state); `blockRowEnd(dqState)` runs at each entry point.
    @inlinable
    func walk(rowIsZero: [Bool], dependentQuantization dq: Bool,
              code: (_ position: Int, _ state: Int) -> Int32, blockRowEnd: (_ state: Int) -> Void) {
        let count = order.count
        var state = 0
        var i = 0
        while i < count {
            let position = order[i]
            let x = position % width
            if !rowIsZero.isEmpty && x % block == 0 && rowIsZero[position / width] {
                i += min(block, width - x) - 1
                if dq { state = DependentQuantization.stateAfterZeros(state, count: width) }
            } else {
                let k = code(position, state)
                if dq { state = DependentQuantization.nextState(state, index: k) }
            }
            if (i + 1) % (width * block) == 0 && i + 1 != count { blockRowEnd(state) }
            i += 1
        }
    }
}
