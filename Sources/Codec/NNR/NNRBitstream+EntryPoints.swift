import CABAC

extension NNRBitstream {
    /// The levels of a tensor with entry points, its rows of blocks decoded on up to
    /// `threads` threads, each from its entry point (`decoder` is placed after the qp).
    /// Nil when anything does not add up — an entry-point list of the wrong length, a row that
    /// does not end where the next entry point says (offset, value bits, DQ state), data
    /// running out, no terminating bin or trailing bytes: the sequential decode then decodes
    /// the tensor and reports the error exactly as with one thread.
    static func decodeBlockRows(_ decoder: CABACDecoder, count: Int, rowWidth: Int, options: TensorCodingOptions,
                                entryPoints: [UInt64], threads: Int) -> [Int32]? {
        var decoder = decoder
        guard let runner = ParallelWork.segmentRunner(threads: threads),
              let plan = try? decoder.beginBlockRows(count: count, rowWidth: rowWidth, options: options, entryPoints: entryPoints)
        else { return nil }
        let rows = plan.rows
        let ends = UnsafeMutablePointer<(decoder: CABACDecoder, consistent: Bool)?>.allocate(capacity: rows)
        ends.initialize(repeating: nil, count: rows)
        defer {
            ends.deinitialize(count: rows)
            ends.deallocate()
        }
        let start = decoder
        // No zero fill first: the rows of blocks partition the tensor and each row writes
        // every position it owns (zeros in skipped rows included).
        let levels = [Int32](unsafeUninitializedCapacity: count) { out, initialized in
            let base = out.baseAddress!
            runner(rows) { r in ends[r] = start.decodeBlockRow(r, of: plan, into: base) }
            initialized = count
        }
        for r in 0..<rows where ends[r]?.consistent != true { return nil }
        guard var last = ends[rows - 1]?.decoder, (try? last.finish()) != nil else { return nil }
        return levels
    }
}
