/// A tensor whose row-major levels are still to decode: its prologue (row-skip flags,
/// initialization choices) has been read, and it owns what the level loop needs — the
/// zero-padded input, the contexts, the row-skip flags and the output — so the levels of
/// several tensors can be decoded together by `LevelLanes` (two interleaved streams per
/// thread) between `CABACDecoder.beginLevels` and `CABACDecoder.endLevels`.
public final class PendingLevels {
    var coder: BinDecoder
    let padded: UnsafeMutablePointer<UInt8>
    let contexts: UnsafeMutablePointer<ContextModel>
    let contextCount: Int
    let rowIsZero: UnsafeMutablePointer<Bool>?
    let rows: Int
    /// The decoded levels (reconstruction levels; skipped rows are 0).
    public internal(set) var levels: [Int32]
    let rowWidth: Int
    let g: Int
    let dq: Bool
    var cursor = LevelCursor()

    /// The number of levels.
    public var count: Int { levels.count }

    init(coder: BinDecoder, bytes: [UInt8], contexts source: [ContextModel], rowIsZero flags: [Bool],
         levels: [Int32], rowWidth: Int, g: Int, dq: Bool) {
        let padding = LevelDecoderCore.padding(unaryLength: g)
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: bytes.count + padding)
        bytes.withUnsafeBufferPointer { input in
            if let base = input.baseAddress { buffer.initialize(from: base, count: input.count) }
        }
        (buffer + bytes.count).initialize(repeating: 0, count: padding)
        padded = buffer
        self.coder = coder
        self.coder.bind(padded, count: bytes.count)
        contextCount = source.count
        contexts = UnsafeMutablePointer<ContextModel>.allocate(capacity: source.count)
        contexts.initialize(from: source, count: source.count)
        rows = flags.count
        if flags.isEmpty {
            rowIsZero = nil
        } else {
            let p = UnsafeMutablePointer<Bool>.allocate(capacity: flags.count)
            p.initialize(from: flags, count: flags.count)
            rowIsZero = p
        }
        self.levels = levels
        self.rowWidth = rowWidth
        self.g = g
        self.dq = dq
    }

    /// A tensor decoded already (no levels, or a block scan order).
    init(complete levels: [Int32], coder: BinDecoder) {
        self.coder = coder
        padded = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        contexts = UnsafeMutablePointer<ContextModel>.allocate(capacity: 1)
        contextCount = 0
        rowIsZero = nil
        rows = 0
        self.levels = levels
        rowWidth = 1
        g = 1
        dq = false
        cursor.position = levels.count
    }

    deinit {
        padded.deallocate()
        contexts.deinitialize(count: contextCount)
        contexts.deallocate()
        rowIsZero?.deallocate()
    }

    /// Hands the decoded levels over (the object keeps none).
    public func takeLevels() -> [Int32] {
        let l = levels
        levels = []
        return l
    }

    /// Whether every level has been decoded or the data has run out.
    var isDone: Bool { cursor.position >= levels.count || coder.consumed > coder.inputCount }

    /// Decodes the levels with one lane (the loop of `LevelDecoderCore.run`).
    func decodeAlone() {
        let end = levels.count
        levels.withUnsafeMutableBufferPointer { out in
            LevelDecoderCore.runLevels(&coder, padded: padded, out.baseAddress!, end: end, cursor: &cursor,
                                       rowWidth: rowWidth, rowIsZero: rowIsZero, dq: dq, g: g, contexts: contexts)
        }
    }
}

extension CABACDecoder {
    /// Reads a tensor's prologue and returns its levels to decode (already complete when
    /// there are none, or in a block scan order, decoded here at once). The levels go to
    /// `PendingLevels.levels`; call `endLevels` after decoding them.
    public mutating func beginLevels(count: Int, rowWidth: Int,
                                     options: TensorCodingOptions) throws(CABACError) -> PendingLevels {
        var ignored: [UInt64] = []
        return try beginLevels(count: count, rowWidth: rowWidth, options: options, entryPoints: &ignored)
    }

    /// Takes the decoder's state back after `levels` were decoded (by `LevelLanes.decode`
    /// or `PendingLevels`' own loop) and checks that the data did not run out.
    public mutating func endLevels(_ levels: PendingLevels) throws(CABACError) {
        var coder = levels.coder
        coder.missing = max(0, coder.consumed - coder.inputCount)
        coder.bind(nil, count: bytes.count)
        core = coder
        if core.overrun > 0 { throw CABACError(.truncated, byteOffset: bytes.count) }
    }
}
