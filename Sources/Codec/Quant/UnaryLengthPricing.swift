import CABAC

/// Prices the magnitude bins of a tensor's levels for several G at once, with adapting
/// context models (`ContextModel.cost` and `update`, as the encoder adapts them).
///
/// Greater-than flag j has the same context (by j and sign) and sees the same bins for
/// every G > j, so one set of flag models serves all candidates: flag j's cost is summed
/// once and a candidate G adds flags 0..<G. Each candidate keeps its own Exp-Golomb prefix
/// models (the remainder |k| − G − 1 depends on G) and pays its suffix as bypass bits.
/// Significance and sign bins do not depend on G and are not priced.
///
/// The sample: up to `windows` stretches of `windowLength` levels spread evenly over the
/// tensor (the whole tensor when shorter). The models run on from one stretch to the next,
/// as the encoder's run through the whole tensor; the first `firstWarmUp` levels, and the
/// first `warmUp` of each later stretch, adapt them without being counted. (Fresh models
/// per stretch overcharged the candidates with more contexts to learn: a sampled estimate
/// of −0.2% for G = 1 where the whole tensor measured +1.1%.)
struct UnaryLengthPricing {
    /// Models start from initialization set 4 (both windows 2^6, the slowest adaptation):
    /// the set `param_opt` tends to pick for long runs of similar bins. With the fast set 0
    /// the estimate favoured G = 1 where it codes worse.
    static let set = 4
    let candidates: [Int]
    var windows = 16
    var windowLength = 2048
    var warmUp = 256
    var firstWarmUp = 1024

    /// Estimated cost per candidate, in 1/32768 bit. With `dependentQuantization` the levels
    /// are reconstruction levels and the coded index has magnitude ⌈|level| / 2⌉ (an odd
    /// level belongs to Q1: 2k − sgn k; an even one to Q0: 2k).
    func price(_ levels: UnsafeBufferPointer<Int32>, dependentQuantization: Bool) -> [UInt64] {
        let halve = dependentQuantization ? 1 : 0
        let maxG = candidates.max()!
        var flagCost = [UInt64](repeating: 0, count: maxG)
        var escapeCost = [UInt64](repeating: 0, count: candidates.count)
        var flags = [ContextModel](repeating: ContextModel(initSet: Self.set), count: 2 * maxG)
        var prefixes = [ContextModel](repeating: ContextModel(initSet: Self.set), count: 32 * candidates.count)
        let pricer = BinPricer()
        // Raw pointers in the loop: the arrays' uniqueness and bounds checks cost more than the pricing.
        candidates.withUnsafeBufferPointer { gs in
            flagCost.withUnsafeMutableBufferPointer { flagCost in
                escapeCost.withUnsafeMutableBufferPointer { escapeCost in
                    flags.withUnsafeMutableBufferPointer { flags in
                        prefixes.withUnsafeMutableBufferPointer { prefixes in
                            for (start, counted, end) in stretches(count: levels.count) {
                                for i in start..<end where levels[i] != 0 {
                                    Self.price(levels[i], halve: halve, counted: i >= counted, pricer: pricer, candidates: gs,
                                               flags: flags.baseAddress!, flagCost: flagCost.baseAddress!, maxG: maxG,
                                               prefixes: prefixes.baseAddress!, escapeCost: escapeCost.baseAddress!)
                                }
                            }
                        }
                    }
                }
            }
        }
        return candidates.enumerated().map { c, g in flagCost[0..<g].reduce(0, &+) &+ escapeCost[c] }
    }

    /// Prices and adapts the magnitude bins of one nonzero level `k` (added to the costs when `counted`).
    @inline(__always)
    private static func price(_ k: Int32, halve: Int, counted: Bool, pricer: BinPricer, candidates: UnsafeBufferPointer<Int>,
                              flags: UnsafeMutablePointer<ContextModel>, flagCost: UnsafeMutablePointer<UInt64>, maxG: Int,
                              prefixes: UnsafeMutablePointer<ContextModel>, escapeCost: UnsafeMutablePointer<UInt64>) {
        let m = (Int(k.magnitude) + halve) >> halve
        let weight: UInt64 = counted ? 1 : 0
        let sign = k < 0 ? 1 : 0
        for j in 0..<min(m, maxG) {
            let bin: UInt32 = j + 1 < m ? 1 : 0
            flagCost[j] &+= weight &* UInt64(pricer.price(bin, &flags[2 * j + sign]))
        }
        for c in 0..<candidates.count where m > candidates[c] {
            let rem = UInt32(m - candidates[c] - 1)
            let length = 31 - (rem + 1).leadingZeroBitCount   // ⌊log2(rem + 1)⌋
            var cost = UInt64(length) << 15                     // the bypass suffix
            for t in 0...min(length, 31) {
                let bin: UInt32 = t < length ? 1 : 0
                cost &+= UInt64(pricer.price(bin, &prefixes[32 * c + t]))
            }
            escapeCost[c] &+= weight &* cost
        }
    }

    /// The sampled stretches (start, counted from, end) of a tensor of `count` levels.
    func stretches(count: Int) -> [(Int, Int, Int)] {
        if count <= windows * windowLength { return [(0, 0, count)] }
        let gap = (count - windowLength) / (windows - 1)
        return (0..<windows).map { i in (i * gap, i * gap + (i == 0 ? firstWarmUp : warmUp), i * gap + windowLength) }
    }
}
