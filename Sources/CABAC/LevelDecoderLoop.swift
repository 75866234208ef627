// The decoder's row-major level loop over a tensor (the bins are in LevelDecoderCore.swift).

/// Where the decoder's level loops put each reconstruction level: as an integer, or already
/// multiplied by the step (`Float(level) * step`, the float32 product NNCodec computes), so
/// a float tensor is written once, without an array of levels in between.
protocol LevelOutput {
    /// Stores the reconstruction level of position `i`.
    func put(_ level: Int32, at i: Int)
    /// Stores level 0 at positions `i..<i + count` (a skipped row).
    func zero(at i: Int, count: Int)
}

/// Reconstruction levels as integers, into the caller's buffer.
struct LevelsOutput: LevelOutput {
    let buffer: UnsafeMutableBufferPointer<Int32>
    @inline(__always) func put(_ level: Int32, at i: Int) { buffer.baseAddress.unsafelyUnwrapped[i] = level }
    @inline(__always) func zero(at i: Int, count: Int) {
        (buffer.baseAddress.unsafelyUnwrapped + i).update(repeating: 0, count: count)
    }
}

/// Reconstructed values `Float(level) * step`, into the caller's buffer.
struct ValuesOutput: LevelOutput {
    let buffer: UnsafeMutableBufferPointer<Float>
    let step: Float
    @inline(__always) func put(_ level: Int32, at i: Int) { buffer.baseAddress.unsafelyUnwrapped[i] = Float(level) * step }
    @inline(__always) func zero(at i: Int, count: Int) {
        (buffer.baseAddress.unsafelyUnwrapped + i).update(repeating: 0 * step, count: count)
    }
}

extension LevelDecoderCore {
    /// Levels decoded between checks for running past the data.
    static let chunk = 256

    /// Zero bytes the input must have after the data: room for one chunk of levels
    /// (at most 7 bits per context-coded bin and one per bypass bin).
    static func padding(unaryLength g: Int) -> Int {
        chunk * ((7 * (2 + g + 31) + 31) / 8 + 2) + 8
    }

    /// Decodes levels into positions `cursor.position..<end` of `out` in row-major order;
    /// positions of skipped rows get level 0. Stops early (at a chunk end) once the data has
    /// run out.
    @inline(never)
    static func run<Mode: QuantizerMode, Out: LevelOutput>(_ mode: Mode.Type, _ coder: inout BinDecoder,
                                         padded: UnsafePointer<UInt8>, _ out: Out, end: Int, cursor: inout LevelCursor,
                                         rowWidth: Int, rowIsZero: UnsafePointer<Bool>?,
                                         g: Int, contexts ctx: UnsafeMutablePointer<ContextModel>) {
        var core = LevelDecoderCore(coder, padded: padded, tables: RawTables.shared)
        // Marks of `ContextWord.fixedOne` are kept on the greater-than contexts only (the
        // uniform loop's `decodeSkewedOnes(marked: true)`, every store of theirs 64-bit).
        if !Mode.dq { ContextWord.clearMarks(ctx, count: ContextLayout(unaryLength: g).count) }
        let limit = padded + coder.inputCount
        var at = cursor
        while at.position < end && core.classicNext <= limit {
            if at.atSkippedRow(rowIsZero) {
                out.zero(at: at.position, count: rowWidth)
                at.skipRow(Mode.self, width: rowWidth)
                continue
            }
            let stop = at.segmentEnd(end: end, rowWidth: rowWidth, limit: chunk)
            var i = at.position
            var state = at.dqState
            var nb = at.neighbour
            if Mode.dq {
                while i < stop {
                    let k = core.decodeLevel(Mode.self, significance: 3 &* state &+ nb, neighbour: nb, g: g, ctx)
                    nb = ContextLayout.neighbourClass(k)
                    // Reconstruction level 2k, or 2k - sgn(k) in the odd states.
                    let q1 = Int32(truncatingIfNeeded: state & 1)
                    let sgn = (k >> 31) | Int32(truncatingIfNeeded: (0 &- k.magnitude) >> 31)
                    out.put(2 &* k &- q1 &* sgn, at: i)
                    state = DependentQuantization.nextState(state, index: k)
                    i &+= 1
                }
            } else {
                while i < stop {
                    let k = core.decodeLevel(Mode.self, significance: nb, neighbour: nb, g: g, ctx)
                    nb = ContextLayout.neighbourClass(k)
                    out.put(k, at: i)
                    i &+= 1
                }
            }
            at.dqState = state
            at.neighbour = nb
            at.advance(to: i, rowWidth: rowWidth)
        }
        cursor = at
        core.store(into: &coder, padded: padded)
    }

    static func runLevels<Out: LevelOutput>(_ coder: inout BinDecoder, padded: UnsafePointer<UInt8>, _ out: Out,
                                            end: Int, cursor: inout LevelCursor, rowWidth: Int,
                                            rowIsZero: UnsafePointer<Bool>?, dq: Bool, g: Int,
                                            contexts: UnsafeMutablePointer<ContextModel>) {
        if dq {
            run(DependentMode.self, &coder, padded: padded, out, end: end, cursor: &cursor, rowWidth: rowWidth,
                rowIsZero: rowIsZero, g: g, contexts: contexts)
        } else {
            run(UniformMode.self, &coder, padded: padded, out, end: end, cursor: &cursor, rowWidth: rowWidth,
                rowIsZero: rowIsZero, g: g, contexts: contexts)
        }
    }
}
