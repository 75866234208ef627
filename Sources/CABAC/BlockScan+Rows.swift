/// One row of blocks of a `BlockScan` at a time: the unit an entry point starts.
extension BlockScan {
    /// The tensor positions of block row `r`: whole matrix rows, so one contiguous range.
    @inlinable
    func positions(ofBlockRow r: Int) -> Range<Int> {
        (r * block * width)..<(min((r + 1) * block, height) * width)
    }

    /// Walks block row `r` as `walk` does (blocks left to right, rows inside a block, a
    /// skipped row segment advancing the DQ state by a whole row width of zeros), starting in
    /// DQ state `start`; returns the DQ state after the row of blocks.
    @inlinable
    func walkBlockRow(_ r: Int, rowIsZero: [Bool], dependentQuantization dq: Bool, state start: Int,
                      code: (_ position: Int, _ state: Int) -> Int32) -> Int {
        var state = start
        let y0 = r * block
        let y1 = min(y0 + block, height)
        var bx = 0
        while bx < width {
            let x1 = min(bx + block, width)
            for y in y0..<y1 {
                if !rowIsZero.isEmpty && rowIsZero[y] {
                    if dq { state = DependentQuantization.stateAfterZeros(state, count: width) }
                    continue
                }
                for x in bx..<x1 {
                    let k = code(y * width + x, state)
                    if dq { state = DependentQuantization.nextState(state, index: k) }
                }
            }
            bx += block
        }
        return state
    }
}

/// The coding order of a block scan, for quantizers that must follow it (the DQ trellis).
public enum BlockScanOrder {
    /// Tensor positions in coding order for `count` elements in rows of `width` at scan
    /// order 1...4 (row-major `0..<count` for scan order 0 or a degenerate shape).
    public static func positions(count: Int, width: Int, scanOrder: Int) -> [Int] {
        guard (1...4).contains(scanOrder), width > 1, count > width, count % width == 0 else { return Array(0..<count) }
        return BlockScan(count: count, width: width, scanOrder: scanOrder).order
    }

    /// `values` (row-major, rows of `width`) in the coding order of `scanOrder` — element i
    /// is `values[positions[i]]` — or, with `inverse`, values in coding order put back
    /// row-major; copied a segment of a block row at a time (no position array).
    @inlinable
    public static func reorder<T>(_ values: [T], width: Int, scanOrder: Int, inverse: Bool = false) -> [T] {
        let count = values.count
        guard (1...4).contains(scanOrder), width > 1, count > width, count % width == 0 else { return values }
        let block = 4 << scanOrder, height = count / width
        return [T](unsafeUninitializedCapacity: count) { out, initialized in
            values.withUnsafeBufferPointer { v in
                let to = out.baseAddress!, from = v.baseAddress!
                var k = 0
                for by in stride(from: 0, to: height, by: block) {
                    for bx in stride(from: 0, to: width, by: block) {
                        let w = min(block, width - bx)
                        for y in by..<min(by + block, height) {
                            let p = y * width + bx
                            if inverse { (to + p).initialize(from: from + k, count: w) } else { (to + k).initialize(from: from + p, count: w) }
                            k += w
                        }
                    }
                }
            }
            initialized = count
        }
    }

    /// Elements of a row of blocks (the last may have fewer) of such a tensor; `count` for
    /// row-major (one row).
    public static func blockRowLength(count: Int, width: Int, scanOrder: Int) -> Int {
        blockRows(count: count, width: width, scanOrder: scanOrder) > 1 ? width * (4 << scanOrder) : count
    }

    /// Rows of blocks (segments between entry points) of such a tensor; 1 for row-major.
    public static func blockRows(count: Int, width: Int, scanOrder: Int) -> Int {
        guard (1...4).contains(scanOrder), width > 1, count > width, count % width == 0 else { return 1 }
        return (count / width + (4 << scanOrder) - 1) / (4 << scanOrder)
    }
}
