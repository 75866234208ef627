extension CABACEncoder {
    /// What a scanned tensor needs before its rows are coded: the quantization indices, the
    /// DQ state at the start of each row of blocks and the initialization-set choice.
    ///
    /// With DQ the indices are found a row of blocks at a time, each row walked from state 0
    /// — where the encoder's per-row trellis leaves every row (`DependentQuantizer.quantizeRows`)
    /// — and kept only if every row but the last ends in state 0, so that the rows continue
    /// one another exactly as one walk would; otherwise the tensor is walked again in one pass
    /// (`scannedIndices`). With `runner` and DQ the rows and the two halves of the pricing
    /// (`InitSetOptimizer.sets`) are items of the runner, taken by whichever worker is free.
    /// The result is the same with or without a runner.
    static func scannedPrelude(_ levels: UnsafeBufferPointer<Int32>, scan: BlockScan, rowIsZero: [Bool], dq: Bool,
                               layout: ContextLayout, signalled: [Int], options: TensorCodingOptions, byteOffset offset: Int,
                               runner: SegmentRunner?) throws(CABACError) -> (indices: [Int32], states: [Int], chosen: [Int]) {
        let rows = scan.blockRows
        let price = options.optimizeInitialization
        let limit = options.initializationSearchLimit ?? Int.max
        let split = runner != nil && dq && price && rows > 1
        var low: InitSetOptimizer? = nil, high: InitSetOptimizer? = nil   // one variable per item
        var ends = [(end: Int, invalid: (Int, Int32)?)](repeating: (0, nil), count: dq ? rows : 0)
        var indices: [Int32] = []
        if dq {
            indices = [Int32](unsafeUninitializedCapacity: levels.count) { buffer, initialized in
                buffer.initialize(repeating: 0)
                initialized = levels.count
                let out = buffer.baseAddress!
                ends.withUnsafeMutableBufferPointer { e in
                    let endOf = e
                    let item: (Int) -> Void = { j in
                        if j >= 2 {
                            endOf[j - 2] = rowIndices(j - 2, levels, scan: scan, rowIsZero: rowIsZero, state: 0, into: out)
                        } else if price {
                            let sets = split ? (j == 0 ? InitSetOptimizer.lowSets : InitSetOptimizer.highSets) : InitSetOptimizer.allSets
                            let priced = scannedInitSets(levels, scan: scan, rowIsZero: rowIsZero, dq: dq, layout: layout,
                                                         sets: sets, limit: limit)
                            if j == 0 { low = priced } else { high = priced }
                        }
                    }
                    if split, let runner { runner(rows + 2, item) } else { for j in 0..<(rows + 2) where j != 1 { item(j) } }
                }
            }
        }
        var states = [Int](repeating: 0, count: rows)
        if !dq || ends.dropLast().contains(where: { $0.end != 0 }) {
            (indices, states) = try scannedIndices(levels, scan: scan, rowIsZero: rowIsZero, dq: dq, byteOffset: offset)
        } else if let (i, level) = ends.lazy.compactMap(\.invalid).first {
            throw CABACError(.invalidLevel(index: i, level: level), byteOffset: offset)
        }
        if !dq && price {
            low = scannedInitSets(levels, scan: scan, rowIsZero: rowIsZero, dq: dq, layout: layout,
                                  sets: InitSetOptimizer.allSets, limit: limit)
        }
        var chosen = [Int](repeating: 0, count: layout.count)
        if var optimizer = low {
            if let high { optimizer.merge(high) }
            for i in signalled { chosen[i] = optimizer.bestSet(i) }
        }
        return (indices, states, chosen)
    }

    /// The DQ indices of block row `r` walked from `state` into `out` (tensor positions; a
    /// level that is not one of its state's quantizer counts as index 0): the state after the
    /// row and the first such level.
    static func rowIndices(_ r: Int, _ levels: UnsafeBufferPointer<Int32>, scan: BlockScan, rowIsZero: [Bool], state: Int,
                           into out: UnsafeMutablePointer<Int32>) -> (end: Int, invalid: (Int, Int32)?) {
        var invalid: (Int, Int32)? = nil
        let end = scan.walkBlockRow(r, rowIsZero: rowIsZero, dependentQuantization: true, state: state) { position, s in
            let level = levels[position]
            guard level != Int32.min, let k = DependentQuantization.index(reconstructionLevel: level, state: s) else {
                if invalid == nil { invalid = (position, level) }
                return 0
            }
            out[position] = k
            return k
        }
        return (end, invalid)
    }
}
