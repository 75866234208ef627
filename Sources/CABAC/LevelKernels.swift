// The row-major level loops of the encoder and decoder (scan order 0), written for speed:
// coder registers live in locals, tables are raw pointers, the bins are coded without
// branches on the coded value, Exp-Golomb remainders are binarized by counting bits and
// bypass bins go in groups (a multiply by the range's reciprocal per group on the decoder
// side). They code exactly the bins of `binarizeLevel` / `decodeLevel`, which stay the
// reference for every other path.
// This file holds what both sides share; the loops are in LevelEncoderCore.swift and
// LevelDecoderCore.swift (the loop driver in LevelDecoderLoop.swift).

/// Where a level loop is in the tensor (coding order = row-major; all-zero rows are
/// skipped when row skipping is on).
struct LevelCursor {
    var position = 0
    var column = 0
    var row = 0
    var dqState = 0
    var neighbour = 0
    init() {}

    /// Whether the next level starts a row marked all-zero in `rowIsZero`.
    @inline(__always)
    func atSkippedRow(_ rowIsZero: UnsafePointer<Bool>?) -> Bool {
        guard let rowIsZero, column == 0 else { return false }
        return rowIsZero[row]
    }

    /// Steps over a skipped row of `width` zeros (the DQ state moves as for coded zeros).
    @inline(__always)
    mutating func skipRow<Mode: QuantizerMode>(_ mode: Mode.Type, width: Int) {
        if Mode.dq { dqState = DependentQuantization.stateAfterZeros(dqState, count: width) }
        position &+= width
        row &+= 1
    }

    /// The end of the run of levels the loop codes next: the rest of the row, at most
    /// `limit` levels, and not beyond `end`.
    @inline(__always)
    func segmentEnd(end: Int, rowWidth: Int, limit: Int) -> Int {
        min(end, position &+ (rowWidth &- column), position &+ limit)
    }

    /// Moves to `position` after coding the levels from the current one, in the same row.
    @inline(__always)
    mutating func advance(to newPosition: Int, rowWidth: Int) {
        column &+= newPosition &- position
        position = newPosition
        if column == rowWidth {
            column = 0
            row &+= 1
        }
    }
}

/// Compile-time choice of the quantizer (specializes the level loops).
protocol QuantizerMode { static var dq: Bool { get } }
enum UniformMode: QuantizerMode { static var dq: Bool { false } }
enum DependentMode: QuantizerMode { static var dq: Bool { true } }

/// A context model read and written as machine words by the level loops: one 64-bit load
/// gives both states and both window sizes, one 32-bit store writes both states back.
/// `RawTables.shared` checks the field offsets this relies on.
enum ContextWord {
    /// s0 (bits 0...15), sum (16...31), shift0 (32...39), shift1 (40...47).
    @inline(__always)
    static func load(_ c: UnsafeMutablePointer<ContextModel>) -> UInt64 {
        UnsafeRawPointer(c).load(as: UInt64.self)
    }

    /// The signed `sum` field of a loaded word.
    @inline(__always)
    static func sum(_ w: UInt64) -> Int32 { Int32(Int16(truncatingIfNeeded: w &>> 16)) }

    /// Adapts the context loaded as `w` to `bin` and stores its new states (the same
    /// arithmetic as `ContextModel.update(_:fastNext:steps:)`).
    @inline(__always)
    static func adapt(_ c: UnsafeMutablePointer<ContextModel>, _ w: UInt64, bin: UInt32,
                      fastNext: UnsafePointer<Int8>, steps: UnsafePointer<Int32>) {
        UnsafeMutableRawPointer(c).storeBytes(of: adapted(w, bin: bin, fastNext: fastNext, steps: steps), as: UInt32.self)
    }

    /// Both states of the context loaded as `w` after adapting to `bin`, packed as the
    /// word's low 32 bits.
    @inline(__always)
    static func adapted(_ w: UInt64, bin: UInt32, fastNext: UnsafePointer<Int8>, steps: UnsafePointer<Int32>) -> UInt32 {
        let b = Int(bin & 1)
        let fast = Int32(Int16(truncatingIfNeeded: w))
        var slow = sum(w) &- fast &* 16
        let shift0 = Int(truncatingIfNeeded: (w &>> 32) & 0xFF)
        let shift1 = Int(truncatingIfNeeded: (w &>> 40) & 0xFF)
        let newFast = Int32(fastNext[(shift0 &<< 9) | (b &<< 8) | Int(fast & 255)])
        let down = Int32(truncatingIfNeeded: b &- 1) & 127   // 0 for a 1, 127 for a 0
        slow &+= steps[(shift1 &<< 6) | (b &<< 5) | Int(((slow &+ down) >> 7) & 31)]
        let newSum = slow &+ 16 &* newFast
        return UInt32(UInt16(truncatingIfNeeded: newFast)) | (UInt32(UInt16(truncatingIfNeeded: newSum)) &<< 16)
    }

    /// Bit 56 of a context word, in `ContextModel`'s padding byte: the decoder's uniform
    /// level loop sets it on a greater-than context whose states are a fixed point of
    /// adapting to a 1 (both saturated), so a further 1 there needs no adaptation. Every
    /// other adaptation of those contexts clears it (`adaptClearingMark`, a 64-bit store),
    /// and the loop clears it in all contexts when it starts; nothing else reads it.
    static var fixedOne: UInt64 { 1 << 56 }

    /// The word's bits that adaptation keeps: window sizes and initialization set.
    static var constantBits: UInt64 { 0x00FF_FFFF_0000_0000 }

    /// `adapt` that also clears the `fixedOne` mark.
    @inline(__always)
    static func adaptClearingMark(_ c: UnsafeMutablePointer<ContextModel>, _ w: UInt64, bin: UInt32,
                                  fastNext: UnsafePointer<Int8>, steps: UnsafePointer<Int32>) {
        let states = adapted(w, bin: bin, fastNext: fastNext, steps: steps)
        UnsafeMutableRawPointer(c).storeBytes(of: (w & constantBits) | UInt64(states), as: UInt64.self)
    }

    /// Adapts to a 1 unless the word carries the `fixedOne` mark; marks the context when
    /// its states did not change.
    @inline(__always)
    static func adaptOne(_ c: UnsafeMutablePointer<ContextModel>, _ w: UInt64,
                         fastNext: UnsafePointer<Int8>, steps: UnsafePointer<Int32>) {
        if w & fixedOne != 0 { return }
        let states = adapted(w, bin: 1, fastNext: fastNext, steps: steps)
        let mark = states == UInt32(truncatingIfNeeded: w) ? fixedOne : 0
        UnsafeMutableRawPointer(c).storeBytes(of: (w & constantBits) | UInt64(states) | mark, as: UInt64.self)
    }

    /// Clears the `fixedOne` mark of `count` contexts.
    static func clearMarks(_ c: UnsafeMutablePointer<ContextModel>, count: Int) {
        for i in 0..<count { UnsafeMutableRawPointer(c + i).storeBytes(of: 0, toByteOffset: 7, as: UInt8.self) }
    }
}
