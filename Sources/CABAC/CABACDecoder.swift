/// Reads one CABAC stream (the payload of one NNR compressed-data unit).
///
/// Every read is bounds-checked once per byte; running past the end is reported as
/// `.truncated`, never a fault. Decoding work is bounded by the tensor sizes asked for.
public struct CABACDecoder {
    @usableFromInline let bytes: [UInt8]
    @usableFromInline var core = BinDecoder()

    /// Starts decoding `bytes` (primes the decoder with the first two bytes).
    public init(bytes: [UInt8]) {
        self.bytes = bytes
        withCore { $0.start() }
    }

    /// Bytes consumed so far.
    public var position: Int { core.position }

    @inlinable
    mutating func withCore<R>(_ body: (inout BinDecoder) -> R) -> R {
        var coder = core
        let result = bytes.withUnsafeBufferPointer { buffer in
            coder.bind(buffer.baseAddress, count: buffer.count)
            return body(&coder)
        }
        coder.bind(nil, count: bytes.count)
        core = coder
        return result
    }

    private func checkOverrun() throws(CABACError) {
        if core.overrun > 0 { throw CABACError(.truncated, byteOffset: bytes.count) }
    }

    /// Decodes one bin with `context`.
    public mutating func decodeBin(context: inout ContextModel) throws(CABACError) -> UInt32 {
        let bin = withCore { $0.decodeBin(context: &context) }
        try checkOverrun()
        return bin
    }

    /// Decodes one bypass bin.
    public mutating func decodeBypass() throws(CABACError) -> UInt32 {
        let bin = withCore { $0.decodeBypass() }
        try checkOverrun()
        return bin
    }

    /// Decodes `bits` bypass bins as an unsigned number (`uae_v`).
    public mutating func decodeUnsigned(bits: Int) throws(CABACError) -> UInt32 {
        precondition(bits >= 0 && bits <= 32)
        let v = withCore { $0.decodeBypassBins(count: bits) }
        try checkOverrun()
        return v
    }

    /// Decodes `bits` bypass bins as a two's-complement number (`iae_v`).
    public mutating func decodeSigned(bits: Int) throws(CABACError) -> Int32 {
        let v = try decodeUnsigned(bits: bits)
        guard bits > 0 else { return 0 }
        let shift = UInt32(32 - bits)
        return Int32(bitPattern: v << shift) >> Int32(shift)
    }

    /// Decodes a tensor of `count` levels in row-major order into reconstruction levels
    /// (the integers that multiply Δ; see `CABACEncoder.encodeTensor`).
    public mutating func decodeTensor(count: Int, rowWidth: Int, options: TensorCodingOptions) throws(CABACError) -> [Int32] {
        var out = [Int32](repeating: 0, count: count)
        try out.withUnsafeMutableBufferPointer { (p: inout UnsafeMutableBufferPointer<Int32>) throws(CABACError) in
            try decodeTensor(into: p, rowWidth: rowWidth, options: options)
        }
        return out
    }

    /// Decodes a tensor and also returns NNCodec's entry points for it (scan orders > 0;
    /// bit-offset delta << 11 | value << 3 | DQ state), as a writer needs them for the header.
    public mutating func decodeTensor(count: Int, rowWidth: Int, options: TensorCodingOptions,
                                      entryPoints: inout [UInt64]) throws(CABACError) -> [Int32] {
        var out = [Int32](repeating: 0, count: count)
        try out.withUnsafeMutableBufferPointer { (p: inout UnsafeMutableBufferPointer<Int32>) throws(CABACError) in
            try decodeTensor(into: p, rowWidth: rowWidth, options: options, entryPoints: &entryPoints)
        }
        return out
    }

    /// `decodeTensor(count:…)` with every level multiplied by `stepSize` in float32 (the
    /// tensor's values), decoded straight into the array: no array of levels, no zero fill.
    public mutating func decodeValues(count: Int, stepSize: Float, rowWidth: Int, options: TensorCodingOptions,
                                      entryPoints: inout [UInt64]) throws(CABACError) -> [Float] {
        var failure: CABACError? = nil
        let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(CABACError) {
                try decodeTensor(into: buffer, stepSize: stepSize, rowWidth: rowWidth, options: options,
                                 entryPoints: &entryPoints)
                initialized = count
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        return values
    }

    /// Decodes into `output` (whose count is the tensor size); positions in skipped rows
    /// are set to 0.
    public mutating func decodeTensor(into output: UnsafeMutableBufferPointer<Int32>, rowWidth: Int,
                                      options: TensorCodingOptions) throws(CABACError) {
        var ignored: [UInt64] = []
        try decodeTensor(into: output, rowWidth: rowWidth, options: options, entryPoints: &ignored)
    }

    mutating func decodeTensor(into output: UnsafeMutableBufferPointer<Int32>, rowWidth: Int,
                               options: TensorCodingOptions, entryPoints: inout [UInt64]) throws(CABACError) {
        try decodeTensor(count: output.count, LevelsOutput(buffer: output), rowWidth: rowWidth, options: options,
                         entryPoints: &entryPoints)
    }

    /// Decodes a tensor straight into its values: `Float(level) * stepSize` for every
    /// reconstruction level (what `decodeTensor(count:…)` returns, times the step), without
    /// an array of levels in between. `output` need not be initialized: every element is
    /// written when this returns (on an error some may not be).
    public mutating func decodeTensor(into output: UnsafeMutableBufferPointer<Float>, stepSize: Float, rowWidth: Int,
                                      options: TensorCodingOptions, entryPoints: inout [UInt64]) throws(CABACError) {
        try decodeTensor(count: output.count, ValuesOutput(buffer: output, step: stepSize), rowWidth: rowWidth,
                         options: options, entryPoints: &entryPoints)
    }

    private mutating func decodeTensor<Out: LevelOutput>(count: Int, _ output: Out, rowWidth: Int,
                                                         options: TensorCodingOptions,
                                                         entryPoints: inout [UInt64]) throws(CABACError) {
        guard options.unaryLength >= 1 && options.unaryLength <= 256 else {
            throw CABACError(.invalidParameters("unary length \(options.unaryLength) not in 1...256"), byteOffset: position)
        }
        guard rowWidth >= 1, count % rowWidth == 0 else {
            throw CABACError(.invalidParameters("\(count) levels do not form rows of \(rowWidth)"), byteOffset: position)
        }
        let prefix = try decodePrefix(count: count, rowWidth: rowWidth, options: options)
        var contexts = prefix.contexts
        let rowIsZero = prefix.rowIsZero
        let dq = options.dependentQuantization
        let g = options.unaryLength

        let scanned = options.effectiveScanOrder(count: count, rowWidth: rowWidth) != 0
        if scanned, !(1...4).contains(options.scanOrder) {
            throw CABACError(.invalidParameters("scan order \(options.scanOrder)"), byteOffset: position)
        }
        guard count > 0 else { return }
        // The levels, read from a zero-padded copy of the data (see `LevelDecoderCore`).
        let padded = paddedCopy(unaryLength: g)
        defer { padded.deallocate() }
        if scanned {
            decodeTensorScanned(output, count: count, rowWidth: rowWidth, options: options, padded: padded,
                                contexts: &contexts, rowIsZero: rowIsZero, entryPoints: &entryPoints)
            try checkOverrun()
            return
        }
        var core = self.core
        core.bind(padded, count: bytes.count)
        var cursor = LevelCursor()
        contexts.withUnsafeMutableBufferPointer { ctx in
            rowIsZero.withUnsafeBufferPointer { rz in
                LevelDecoderCore.runLevels(&core, padded: padded, output, end: count, cursor: &cursor,
                                           rowWidth: rowWidth, rowIsZero: rowIsZero.isEmpty ? nil : rz.baseAddress,
                                           dq: dq, g: g, contexts: ctx.baseAddress!)
            }
        }
        core.bind(nil, count: bytes.count)
        self.core = core
        try checkOverrun()
    }

    /// The data followed by `LevelDecoderCore.padding` zero bytes, for the level loops; the
    /// caller deallocates it.
    func paddedCopy(unaryLength g: Int) -> UnsafeMutablePointer<UInt8> {
        let padding = LevelDecoderCore.padding(unaryLength: g)
        let padded = UnsafeMutablePointer<UInt8>.allocate(capacity: bytes.count + padding)
        bytes.withUnsafeBufferPointer { input in
            if let base = input.baseAddress { padded.initialize(from: base, count: input.count) }
        }
        (padded + bytes.count).initialize(repeating: 0, count: padding)
        return padded
    }

    /// Decodes what precedes a tensor's levels: the row-skip flags and the initialization
    /// choices. Returns the contexts ready for the levels and, when rows are skipped, which.
    mutating func decodePrefix(count: Int, rowWidth: Int,
                               options: TensorCodingOptions) throws(CABACError) -> (contexts: [ContextModel], rowIsZero: [Bool]) {
        let layout = ContextLayout(unaryLength: options.unaryLength)
        var contexts = ContextSet(unaryLength: options.unaryLength).models
        let rows = count / rowWidth
        // Row-skip flags. Each flag needs at least a fraction of a bit, so a truncated
        // stream is caught by the overrun check below after at most `rows` bins.
        var rowIsZero: [Bool] = []
        if options.hasRowSkipFlag(count: count, rowWidth: rowWidth) {
            let skip = withCore { $0.decodeBypass() }
            if skip != 0 {
                rowIsZero = [Bool](repeating: false, count: rows)
                let ctx = layout.rowSkipFlag
                withCore { c in
                    for r in 0..<rows { rowIsZero[r] = c.decodeBin(context: &contexts[ctx]) != 0 }
                }
            }
        }
        try checkOverrun()

        // Initialization choices.
        let flagContext = layout.initChoiceFlag
        withCore { c in
            for i in layout.signalledContexts(dependentQuantization: options.dependentQuantization) {
                var set = 0
                if c.decodeBin(context: &contexts[flagContext]) != 0 {
                    set = 1 + Int(c.decodeBypassBins(count: 3))
                }
                contexts[i].initialize(initSet: set)
            }
        }
        try checkOverrun()
        return (contexts, rowIsZero)
    }

    /// Decodes the terminating bin and checks that the stream ends exactly here.
    /// Returns the number of bytes the stream occupies.
    public mutating func finish() throws(CABACError) -> Int {
        let bin = withCore { $0.decodeTerminatingBin() }
        try checkOverrun()
        guard bin == 1 else { throw CABACError(.missingTerminatingBin, byteOffset: position) }
        if position < bytes.count {
            throw CABACError(.trailingBytes(bytes.count - position), byteOffset: position)
        }
        return position
    }
}
