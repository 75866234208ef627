/// Writes one CABAC stream (the payload of one NNR compressed-data unit): bypass-coded
/// header values and tensors of levels, then the terminating bin.
///
/// The output is one byte array reserved up front and grown (rarely) between chunks of
/// levels; the bin loop itself runs on raw memory and never allocates.
public struct CABACEncoder {
    @usableFromInline var storage: [UInt8]
    @usableFromInline var core = BinEncoder()
    private var finished = false
    /// Entry points of the tensors coded so far (scan orders > 0), resolved by `entryPoints`.
    var entryPointsPending: [EncoderEntryPoint] = []
    var entryPointStart: Int64 = 0
    /// Codes the rows of blocks of scanned tensors (scan orders > 0) in parallel through this
    /// runner and joins them; the stream is byte-identical to coding them in sequence.
    public var segmentRunner: SegmentRunner? = nil

    /// - Parameter reserveCapacity: expected output size in bytes (a hint).
    public init(reserveCapacity: Int = 1024) {
        storage = [UInt8](repeating: 0, count: max(64, reserveCapacity))
    }

    /// Bytes finished so far (final size is known after `finish()`).
    public var byteCount: Int { core.count + core.pendingBytes }

    /// Runs `body` with the encoder bound to storage that has room for `room` more bytes.
    @inlinable
    mutating func withRoom<R>(_ room: Int, _ body: (inout BinEncoder) throws(CABACError) -> R) throws(CABACError) -> R {
        let needed = core.count + core.pendingBytes + room + 8
        if needed > storage.count {
            storage.append(contentsOf: repeatElement(0, count: max(needed, 2 * storage.count) - storage.count))
        }
        var coder = core
        let result: Result<R, CABACError> = storage.withUnsafeMutableBufferPointer { buffer in
            coder.bind(buffer.baseAddress!)
            do throws(CABACError) { return .success(try body(&coder)) } catch { return .failure(error) }
        }
        coder.output = nil
        core = coder
        return try result.get()
    }

    /// Bypass-codes the low `bits` bits of `value` (`uae_v`).
    public mutating func encodeUnsigned(_ value: UInt32, bits: Int) {
        precondition(bits >= 0 && bits <= 32)
        try! withRoom(8) { (c: inout BinEncoder) throws(CABACError) in c.encodeBypassBins(value, count: bits) }
    }

    /// Codes one bin with `context` (for tests and custom syntax; tensors use `encodeTensor`).
    public mutating func encodeBin(_ bin: UInt32, context: inout ContextModel) {
        try! withRoom(8) { (c: inout BinEncoder) throws(CABACError) in c.encodeBin(bin & 1, context: &context) }
    }

    /// Codes one bypass bin.
    public mutating func encodeBypass(_ bin: UInt32) {
        try! withRoom(8) { (c: inout BinEncoder) throws(CABACError) in c.encodeBypass(bin & 1) }
    }

    /// Bypass-codes `value` as a `bits`-bit two's-complement number (`iae_v`).
    public mutating func encodeSigned(_ value: Int32, bits: Int) {
        encodeUnsigned(UInt32(bitPattern: value), bits: bits)
    }

    /// Codes a tensor of levels in row-major order.
    ///
    /// - Parameters:
    ///   - levels: reconstruction levels, the integers that multiply Δ (with DQ these are the
    ///     levels of the trellis, 2k or 2k − sgn k; without DQ the indices k themselves).
    ///   - rowWidth: the product of all dimensions but the first (1 for 1-D tensors).
    public mutating func encodeTensor(_ levels: [Int32], rowWidth: Int, options: TensorCodingOptions) throws(CABACError) {
        try levels.withUnsafeBufferPointer { (p: UnsafeBufferPointer<Int32>) throws(CABACError) in
            try encodeTensor(p, rowWidth: rowWidth, options: options)
        }
    }

    public mutating func encodeTensor(_ levels: UnsafeBufferPointer<Int32>, rowWidth: Int, options: TensorCodingOptions) throws(CABACError) {
        let count = levels.count
        let offset = byteCount
        entryPointsPending = []
        guard options.unaryLength >= 1 && options.unaryLength <= 256 else {
            throw CABACError(.invalidParameters("unary length \(options.unaryLength) not in 1...256"), byteOffset: offset)
        }
        guard rowWidth >= 1, count % rowWidth == 0 else {
            throw CABACError(.invalidParameters("\(count) levels do not form rows of \(rowWidth)"), byteOffset: offset)
        }
        if options.effectiveScanOrder(count: count, rowWidth: rowWidth) != 0 {
            guard (1...4).contains(options.scanOrder) else {
                throw CABACError(.invalidParameters("scan order \(options.scanOrder)"), byteOffset: offset)
            }
            try encodeTensorScanned(levels, rowWidth: rowWidth, options: options)
            return
        }
        // Quantization indices k (without DQ they are the levels themselves: no copy).
        let indexStore = try Self.rowMajorIndices(levels, dependentQuantization: options.dependentQuantization, byteOffset: offset)
        try indexStore.withUnsafeBufferPointer { (stored) throws(CABACError) in
            try encodeLevels(levels, indices: options.dependentQuantization ? stored : levels, rowWidth: rowWidth, options: options)
        }
    }

    /// `encodeTensor` in row-major order once the indices are known.
    mutating func encodeLevels(_ levels: UnsafeBufferPointer<Int32>, indices: UnsafeBufferPointer<Int32>, rowWidth: Int,
                               options: TensorCodingOptions) throws(CABACError) {
        let count = levels.count

        let layout = ContextLayout(unaryLength: options.unaryLength)
        var contexts = ContextSet(unaryLength: options.unaryLength).models
        let rows = count / rowWidth
        let rowFlagPresent = options.hasRowSkipFlag(count: count, rowWidth: rowWidth)
        let skipRows = rowFlagPresent && options.rowSkipping
        let rowIsZero = Self.zeroRows(levels, rowWidth: rowWidth, skipping: skipRows)

        // Row-skip flag and per-row flags.
        if rowFlagPresent {
            try encodeRowFlags(rowIsZero, rows: rows, skipping: skipRows, layout: layout, contexts: &contexts)
        }

        // Initialization choices.
        let signalled = layout.signalledContexts(dependentQuantization: options.dependentQuantization)
        var chosen = [Int](repeating: 0, count: layout.count)
        if options.optimizeInitialization {
            // With a runner, a free worker may take the high half of the shadow sets.
            let optimizer = InitSetOptimizer.priced(runner: segmentRunner) { sets, helped in
                var optimizer = InitSetOptimizer(contextCount: layout.count)
                optimizer.sets = sets
                var priced = 0
                optimizer.withBoundStorage { optimizer in
                    TensorScan.run(indices: indices, levels: levels, rowWidth: rowWidth, rowIsZero: rowIsZero,
                                   dependentQuantization: options.dependentQuantization,
                                   limit: options.initializationSearchLimit ?? Int.max) { k, level, state, nb in
                        optimizer.leaveHighSets(after: priced, ifHelped: helped)
                        priced &+= 1
                        // NNCodec prices the reconstruction level here (with the index's state).
                        binarizeLevel(level, state: state, neighbourClass: nb, layout: layout, into: &optimizer)
                    }
                }
                return optimizer
            }
            for i in signalled { chosen[i] = optimizer.bestSet(i) }
        }
        try withRoom(signalled.count + 8) { (c: inout BinEncoder) throws(CABACError) in
            Self.encodeInitChoices(&c, chosen, signalled: signalled, layout: layout, contexts: &contexts)
        }

        // The levels, in chunks with guaranteed room.
        let perLevel = (7 * (2 + options.unaryLength + 31) + 31) / 8 + 2
        let chunk = 16384
        let dq = options.dependentQuantization
        let g = options.unaryLength
        var cursor = LevelCursor()
        contexts.withUnsafeMutableBufferPointer { ctx in
            do {
                let k = indices
                rowIsZero.withUnsafeBufferPointer { rz in
                    let skips = skipRows ? rz.baseAddress : nil
                    while cursor.position < count {
                        let end = min(count, cursor.position + chunk)
                        reserveRoom((end - cursor.position) * perLevel)
                        var coder = core
                        storage.withUnsafeMutableBufferPointer { buffer in
                            LevelEncoderCore.runLevels(&coder, out: buffer.baseAddress!, k.baseAddress!, end: end,
                                                       cursor: &cursor, rowWidth: rowWidth, rowIsZero: skips,
                                                       dq: dq, g: g, contexts: ctx.baseAddress!)
                        }
                        core = coder
                    }
                }
            }
        }
    }

    /// The quantization indices k of row-major `levels` (with DQ, the state follows the rows);
    /// without DQ the levels are only checked and the result is empty (the indices are the levels).
    static func rowMajorIndices(_ levels: UnsafeBufferPointer<Int32>, dependentQuantization: Bool,
                                byteOffset offset: Int) throws(CABACError) -> [Int32] {
        let count = levels.count
        if !dependentQuantization {
            if let i = levels.firstIndex(of: Int32.min) {
                throw CABACError(.invalidLevel(index: i, level: Int32.min), byteOffset: offset)
            }
            return []
        }
        var indices = [Int32](repeating: 0, count: count)
        var state = 0
        for i in 0..<count {
            let level = levels[i]
            guard level != Int32.min else { throw CABACError(.invalidLevel(index: i, level: level), byteOffset: offset) }
            if dependentQuantization {
                guard let k = DependentQuantization.index(reconstructionLevel: level, state: state) else {
                    throw CABACError(.invalidLevel(index: i, level: level), byteOffset: offset)
                }
                indices[i] = k
                state = DependentQuantization.nextState(state, index: k)
            } else {
                indices[i] = level
            }
        }
        return indices
    }

    /// Per row, whether all its levels are zero (empty when rows are not skipped).
    static func zeroRows(_ levels: UnsafeBufferPointer<Int32>, rowWidth: Int, skipping: Bool) -> [Bool] {
        let rows = levels.count / rowWidth
        var rowIsZero = [Bool](repeating: false, count: skipping ? rows : 0)
        if skipping {
            for r in 0..<rows {
                var allZero = true
                for i in (r * rowWidth)..<((r + 1) * rowWidth) where levels[i] != 0 { allZero = false; break }
                rowIsZero[r] = allZero
            }
        }
        return rowIsZero
    }

    /// The row-skip flag (bypass) and, when rows are skipped, one flag per row.
    mutating func encodeRowFlags(_ rowIsZero: [Bool], rows: Int, skipping: Bool, layout: ContextLayout,
                                 contexts: inout [ContextModel]) throws(CABACError) {
        try withRoom(rows + 8) { (c: inout BinEncoder) throws(CABACError) in
            c.encodeBypass(skipping ? 1 : 0)
            guard skipping else { return }
            let ctx = layout.rowSkipFlag
            for r in 0..<rows { c.encodeBin(rowIsZero[r] ? 1 : 0, context: &contexts[ctx]) }
        }
    }

    /// Signals the chosen initialization set of each signalled context (a flag, then three
    /// bypass bins) and initializes the contexts with it.
    static func encodeInitChoices(_ c: inout BinEncoder, _ chosen: [Int], signalled: [Int], layout: ContextLayout,
                                  contexts: inout [ContextModel]) {
        let flagContext = layout.initChoiceFlag
        for i in signalled {
            let set = chosen[i]
            c.encodeBin(set != 0 ? 1 : 0, context: &contexts[flagContext])
            if set != 0 { c.encodeBypassBins(UInt32(set - 1), count: 3) }
            contexts[i].initialize(initSet: set)
        }
    }

    /// Grows the storage so that `room` more bytes fit after the pending ones.
    @inlinable
    mutating func reserveRoom(_ room: Int) {
        let needed = core.count + core.pendingBytes + room + 8
        if needed > storage.count {
            storage.append(contentsOf: repeatElement(0, count: max(needed, 2 * storage.count) - storage.count))
        }
    }

    /// NNCodec's entry points of the last tensor coded with a scan order > 0 (bit-offset delta
    /// << 11 | value << 3 | DQ state), recorded while encoding; `stream` is `finish()`'s result.
    public func entryPoints(in stream: [UInt8]) -> [UInt64] {
        EncoderEntryPoint.encode(entryPointsPending, start: entryPointStart, stream: stream)
    }

    /// Codes the terminating bin and flushes; returns the stream. Further calls are invalid.
    public mutating func finish() -> [UInt8] {
        precondition(!finished, "CABACEncoder.finish() called twice")
        finished = true
        try! withRoom(16) { (c: inout BinEncoder) throws(CABACError) in
            c.encodeTerminatingBin(1)
            c.flush()
        }
        return Array(storage[0..<core.count])
    }
}

/// Walks a tensor in coding order (row-major, skipping all-zero rows when row skipping is
/// on), tracking the DQ state and the neighbour class as the coder sees them.
@usableFromInline
enum TensorScan {
    @inlinable
    static func run(indices: UnsafeBufferPointer<Int32>, levels: UnsafeBufferPointer<Int32>, rowWidth: Int, rowIsZero: [Bool],
                    dependentQuantization: Bool, limit: Int = Int.max,
                    _ body: (_ index: Int32, _ level: Int32, _ state: Int, _ neighbourClass: Int) -> Void) {
        var state = 0
        var neighbour = 0
        var i = 0
        var column = 0
        var row = 0
        let count = indices.count
        var coded = 0
        while i < count && coded < limit {
            if column == 0 && !rowIsZero.isEmpty && rowIsZero[row] {
                if dependentQuantization { state = DependentQuantization.stateAfterZeros(state, count: rowWidth) }
                i += rowWidth
                row += 1
                continue
            }
            let k = indices[i]
            let level = levels[i]
            body(k, level, state, neighbour)
            coded += 1
            // NNCodec's optimizer pass takes the neighbour from the reconstruction level;
            // it has the same sign as k, so the class is the same.
            neighbour = ContextLayout.neighbourClass(level)
            if dependentQuantization { state = DependentQuantization.nextState(state, index: k) }
            i += 1
            column += 1
            if column == rowWidth { column = 0; row += 1 }
        }
    }
}
