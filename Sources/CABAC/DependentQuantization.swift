/// The 8-state trellis of dependent quantization (DQ).
///
/// The state starts at 0 for each tensor and moves on the parity of each coded quantization
/// index k. Even states use quantizer Q0 (reconstruction level 2k), odd states quantizer Q1
/// (reconstruction level 2k - sgn(k)); the reconstructed value is level * Δ. Without DQ the
/// reconstruction level is k itself.
public enum DependentQuantization {
    /// Next state for (state, k & 1).
    public static let transitions: [(UInt8, UInt8)] = [
        (0, 2), (7, 5), (1, 3), (6, 4), (2, 0), (5, 7), (3, 1), (4, 6),
    ]

    /// `transitions` packed into nibbles: bits 8·state (even k) and 8·state + 4 (odd k).
    @usableFromInline static let packedTransitions: UInt64 = 0x6413_7502_4631_5720

    @inlinable @inline(__always)
    public static func nextState(_ state: Int, index k: Int32) -> Int {
        let shift = UInt64(8 &* (state & 7) &+ 4 &* Int(k & 1))
        return Int(truncatingIfNeeded: packedTransitions >> shift) & 7
    }

    /// The state after `count` zero indices (a skipped row).
    @inlinable
    public static func stateAfterZeros(_ state: Int, count: Int) -> Int {
        // Zeros move 0→0, 2→1, 1→7, 7→4, 4→2, 3→6, 6→3, 5→5: cycles (1 7 4 2), (3 6), fixed 0, 5.
        var s = state
        for _ in 0..<(count & 3) { s = nextState(s, index: 0) }
        return s
    }

    /// The reconstruction level (multiple of Δ) of quantization index `k` in `state`.
    @inlinable
    public static func reconstructionLevel(index k: Int32, state: Int) -> Int32 {
        if k == 0 { return 0 }
        let q1 = Int32(state & 1)
        return k > 0 ? 2 &* k &- q1 : 2 &* k &+ q1
    }

    /// The quantization index whose reconstruction level in `state` is `level`, or nil
    /// when `level` is not a level of that state's quantizer (wrong parity).
    @inlinable
    public static func index(reconstructionLevel level: Int32, state: Int) -> Int32? {
        if level == 0 { return 0 }
        let odd = (level & 1) != 0
        if odd != ((state & 1) == 1) { return nil }
        let q1 = Int32(state & 1)
        return level > 0 ? (level &+ q1) >> 1 : (level &- q1) >> 1
    }

    /// Reconstruction levels of a sequence of indices in scan order, state starting at 0.
    public static func reconstructionLevels(indices: [Int32]) -> [Int32] {
        var state = 0
        return indices.map { k in
            let r = reconstructionLevel(index: k, state: state)
            state = nextState(state, index: k)
            return r
        }
    }

    /// Indices of a sequence of reconstruction levels in scan order, or nil if a level
    /// does not belong to the quantizer of its state.
    public static func indices(reconstructionLevels levels: [Int32]) -> [Int32]? {
        var state = 0
        var out = [Int32]()
        out.reserveCapacity(levels.count)
        for level in levels {
            guard let k = index(reconstructionLevel: level, state: state) else { return nil }
            out.append(k)
            state = nextState(state, index: k)
        }
        return out
    }
}
