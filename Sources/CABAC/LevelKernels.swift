// The row-major level loops of the encoder and decoder (scan order 0), written for speed:
// coder registers live in locals, tables are raw pointers, the bins are coded without
// branches on the coded value, Exp-Golomb remainders are binarized by counting bits and
// bypass bins go in groups (divisions on the decoder side). They code exactly the bins of
// `binarizeLevel` / `decodeLevel`, which stay the reference for every other path.
// This file holds what both sides share; the loops are in LevelEncoderCore.swift and
// LevelDecoderCore.swift.

/// Where a level loop is in the tensor (coding order = row-major; all-zero rows are
/// skipped when row skipping is on).
struct LevelCursor {
    var position = 0
    var column = 0
    var row = 0
    var dqState = 0
    var neighbour = 0
    init() {}
}

/// Compile-time choice of the quantizer (specializes the level loops).
protocol QuantizerMode { static var dq: Bool { get } }
enum UniformMode: QuantizerMode { static var dq: Bool { false } }
enum DependentMode: QuantizerMode { static var dq: Bool { true } }

