import CABAC

extension NNRBitstream {
    /// A tensor with entry points, its rows of blocks decoded on up to `threads` threads, each
    /// from its entry point (`decoder` is placed after the qp): the values `Float(level) · step`
    /// when `stepSize` is given (`levels` then empty), else the levels (`values` nil).
    /// Nil when anything does not add up — an entry-point list of the wrong length, a row that
    /// does not end where the next entry point says (offset, value bits, DQ state), data
    /// running out, no terminating bin or trailing bytes: the sequential decode then decodes
    /// the tensor and reports the error exactly as with one thread.
    static func decodeBlockRows(_ decoder: CABACDecoder, count: Int, rowWidth: Int, options: TensorCodingOptions,
                                entryPoints: [UInt64], threads: Int,
                                stepSize: Float?) -> (levels: [Int32], values: [Float]?)? {
        guard let runner = ParallelWork.segmentRunner(threads: threads) else { return nil }
        return decodeBlockRows(decoder, count: count, rowWidth: rowWidth, options: options, entryPoints: entryPoints,
                               runner: runner, stepSize: stepSize)
    }

    /// `decodeBlockRows` with the rows decoded through `runner`.
    static func decodeBlockRows(_ decoder: CABACDecoder, count: Int, rowWidth: Int, options: TensorCodingOptions,
                                entryPoints: [UInt64], runner: SegmentRunner,
                                stepSize: Float?) -> (levels: [Int32], values: [Float]?)? {
        var decoder = decoder
        guard let plan = try? decoder.beginBlockRows(count: count, rowWidth: rowWidth, options: options, entryPoints: entryPoints)
        else { return nil }
        let start = decoder
        if let step = stepSize {
            let values = decodeRows(plan, count: count, runner: runner) { (r, out: UnsafeMutablePointer<Float>) in
                start.decodeBlockRow(r, of: plan, into: out, stepSize: step)
            }
            return values.map { ([], $0) }
        }
        let levels = decodeRows(plan, count: count, runner: runner) { (r, out: UnsafeMutablePointer<Int32>) in
            start.decodeBlockRow(r, of: plan, into: out)
        }
        return levels.map { ($0, nil) }
    }

    /// The array the rows of `plan` fill through `row` on `runner`'s threads; nil unless every
    /// row is consistent and the last one ends the stream.
    private static func decodeRows<T>(_ plan: BlockRowDecoding, count: Int, runner: SegmentRunner,
                                      _ row: @escaping (Int, UnsafeMutablePointer<T>) -> (decoder: CABACDecoder, consistent: Bool)) -> [T]? {
        let rows = plan.rows
        let ends = UnsafeMutablePointer<(decoder: CABACDecoder, consistent: Bool)?>.allocate(capacity: rows)
        ends.initialize(repeating: nil, count: rows)
        defer {
            ends.deinitialize(count: rows)
            ends.deallocate()
        }
        // No fill first: the rows of blocks partition the tensor and each row writes every
        // position it owns (zeros in skipped rows included).
        let result = [T](unsafeUninitializedCapacity: count) { out, initialized in
            let base = out.baseAddress!
            runner(rows) { r in ends[r] = row(r, base) }
            initialized = count
        }
        for r in 0..<rows where ends[r]?.consistent != true { return nil }
        guard var last = ends[rows - 1]?.decoder, (try? last.finish()) != nil else { return nil }
        return result
    }
}
