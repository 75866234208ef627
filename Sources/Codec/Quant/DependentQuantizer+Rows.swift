import CABAC

extension DependentQuantizer {
    /// DQ for a tensor coded with entry points: `weights` in coding order, cut into rows of
    /// blocks of `rowLength` consecutive elements (the last may be shorter), each searched as a
    /// trellis of its own — from state 0, with a rate table from the initial contexts (what the
    /// coder has at an entry point), and, for every row but the last, constrained to end in
    /// state 0, the state the next row's entry point registers. The rows are independent, so
    /// `runner` may search them on several threads: the levels are the same for any runner.
    /// One row (`rowLength` ≥ the count) is exactly `quantize`.
    public func quantizeRows(_ weights: [Float], rowLength: Int,
                             runner: SegmentRunner? = nil) throws(QuantizationError) -> [Int32] {
        let n = weights.count
        let length = max(1, rowLength)
        let rows = max(1, (n + length - 1) / length)
        var levels = [Int32](repeating: 0, count: n)
        var failed = [Bool](repeating: false, count: rows)
        weights.withUnsafeBufferPointer { w in
            levels.withUnsafeMutableBufferPointer { levels in
                failed.withUnsafeMutableBufferPointer { flags in
                    let out = levels, failed = flags
                    let body: (Int) -> Void = { r in
                        let range = (r * length)..<min(n, (r + 1) * length)
                        var row = self
                        row.finalState = r + 1 < rows ? 0 : self.finalState
                        do {
                            try row.quantize(UnsafeBufferPointer(rebasing: w[range]),
                                             into: UnsafeMutableBufferPointer(rebasing: out[range]))
                        } catch {
                            failed[r] = true
                        }
                    }
                    if let runner, rows > 1 { runner(rows, body) } else { for r in 0..<rows { body(r) } }
                }
            }
        }
        if failed.contains(true) {
            // The error names the first invalid weight of the whole tensor, as `quantize` does.
            let inv = 1.0 / Double(step.size)
            throw weights.withUnsafeBufferPointer { firstInvalid($0) { Double($0) * inv } }
        }
        return levels
    }
}
