import CABAC

/// Estimated costs of coding any quantization index k against a frozen set of contexts,
/// in 1/32768 bit, for every DQ state and neighbour class.
///
/// The cost of k splits along the binarization: the significance bin (context chosen by DQ
/// state and neighbour class), then for k ≠ 0 the sign bin (context by neighbour class) and
/// the magnitude bins, whose contexts depend only on |k| and the sign. Magnitude costs are
/// priced by running `ContextSet.encodeLevel` into a non-adapting `BitEstimator` (the code
/// the encoder runs), for |k| = 1...G+1 one by one and, above, once per Exp-Golomb length
/// class of the remainder |k| − G − 1 (all remainders in [2^L − 1, 2^(L+1) − 2] cost the same:
/// same context-coded prefix, L bypass bits). Every bin of one level uses a different
/// context, so pricing without adaptation equals the encoder's cost of the level.
struct LevelRateTable: Sendable {
    let unaryLength: Int
    /// One store: significance [48] at 0 ((3·state + nb)·2 + bin), sign [6] at 48
    /// (2·nb + negative), escape [64] at 54 (negative·32 + L for |k| > G + 1, with
    /// L = ⌊log2(|k| − G)⌋ in 1...30), magnitude [2·(G + 2)] at 118 (negative·(G + 2) + |k|).
    var costs: [UInt32]

    static let signOffset = 48
    static let escapeOffset = 54
    static let magnitudeOffset = 118

    /// A stand-in where no rate is priced.
    init(unused: Void) {
        unaryLength = 1
        costs = [UInt32](repeating: 0, count: Self.magnitudeOffset + 6)
    }

    init(contexts: inout ContextSet) {
        let layout = contexts.layout
        let g = layout.unaryLength
        unaryLength = g
        var c = [UInt32](repeating: 0, count: Self.magnitudeOffset + 2 * (g + 2))
        for state in 0..<8 {
            for nb in 0..<3 {
                let m = contexts.models[layout.significance(state: state, neighbourClass: nb)]
                c[(3 * state + nb) * 2] = m.cost(0)
                c[(3 * state + nb) * 2 + 1] = m.cost(1)
            }
        }
        for nb in 0..<3 {
            let m = contexts.models[layout.sign(neighbourClass: nb)]
            c[Self.signOffset + 2 * nb] = m.cost(0)
            c[Self.signOffset + 2 * nb + 1] = m.cost(1)
        }
        // Magnitude part: full level cost at state 0, neighbour class 0, minus its first two bins.
        func magnitudeCost(_ k: Int32) -> UInt32 {
            var estimator = BitEstimator(adapts: false)
            contexts.encodeLevel(k, state: 0, previous: 0, into: &estimator)
            return UInt32(estimator.scaledBits) - c[1] - c[Self.signOffset + (k < 0 ? 1 : 0)]
        }
        for negative in 0..<2 {
            let s: Int32 = negative == 1 ? -1 : 1
            for m in 1...(g + 1) { c[Self.magnitudeOffset + negative * (g + 2) + m] = magnitudeCost(s * Int32(m)) }
            for l in 1...30 { c[Self.escapeOffset + negative * 32 + l] = magnitudeCost(s * Int32(g + (1 << l))) }
        }
        costs = c
    }

    /// Cost of the magnitude bins of |k| = `m` (1 ≤ m < 2^31) with sign `negative`.
    @inline(__always)
    static func magnitudeCost(_ m: Int, negative: Bool, unaryLength g: Int, costs: UnsafePointer<UInt32>) -> UInt32 {
        if m <= g + 1 { return costs[magnitudeOffset + (negative ? g + 2 : 0) + m] }
        let l = Int.bitWidth - 1 - (m - g).leadingZeroBitCount
        return costs[escapeOffset + (negative ? 32 : 0) + l]
    }

    /// Cost of coding index `k` in DQ state `state` after a level of neighbour class `nb`.
    func cost(_ k: Int32, state: Int, neighbourClass nb: Int) -> UInt32 {
        costs.withUnsafeBufferPointer { p in
            let c = p.baseAddress!
            let sigIndex = (3 * state + nb) * 2
            if k == 0 { return c[sigIndex] }
            let negative = k < 0
            return c[sigIndex + 1] + c[Self.signOffset + 2 * nb + (negative ? 1 : 0)]
                + Self.magnitudeCost(Int(k.magnitude), negative: negative, unaryLength: unaryLength, costs: c)
        }
    }
}
