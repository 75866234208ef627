import CABAC

/// Chooses G = `cabac_unary_length_minus1` + 1, the number of greater-than flags, per tensor.
///
/// G is signalled per tensor, so any value is conformant; NNCodec always writes 11. Large
/// levels (fine steps) pay for every greater-than flag even when it is nearly certain; with
/// G = 1 that information moves into the Exp-Golomb prefix and its bypass suffix, which is
/// fewer bins to code and decode and, at `-q 15`, fewer bits. Small levels (coarse steps,
/// dependent quantization) are modelled better by the flags.
///
/// The coder's own adaptive models price both candidates, 1 and NNCodec's 11, on a sample
/// of the tensor (`UnaryLengthPricing`); 1 replaces 11 only when its estimated magnitude
/// bins are smaller by more than `margin` and `minimumGainBits`, because a sample's estimate is not the tensor's
/// size and the stream must not grow. On the VGG-16 of `Benchmarks/` the estimate of G = 1
/// was within ±0.5% of the truth; G between 2 and 16 won or lost by less than that, and
/// choosing them grew some streams (`-q 6`: +0.8%), so they are not candidates.
public enum UnaryLengthChoice {
    /// NNCodec's G, kept unless G = 1 is clearly cheaper.
    public static let reference = 11
    /// Relative gain G = 1 needs over `reference`.
    public static let margin = 0.005
    /// Least gain, in bits of the priced levels: the context initialization choices and
    /// their signalling move a stream by a few bytes that the pricing does not see (a
    /// 49,152-level tensor of levels 0 and ±1 priced 8 bytes cheaper with G = 1 coded
    /// 3 bytes larger).
    public static let minimumGainBits: UInt64 = 256

    /// The G to code `levels` with (reconstruction levels of the DQ trellis with
    /// `dependentQuantization`).
    public static func best(_ levels: UnsafeBufferPointer<Int32>, dependentQuantization: Bool) -> Int {
        let costs = UnaryLengthPricing(candidates: [1, reference]).price(levels, dependentQuantization: dependentQuantization)
        let (one, ref) = (costs[0], costs[1])
        guard one < ref else { return reference }
        let gain = ref - one
        return Double(gain) > margin * Double(ref) && gain > minimumGainBits << 15 ? 1 : reference
    }

    /// Convenience for arrays.
    public static func best(_ levels: [Int32], dependentQuantization: Bool) -> Int {
        levels.withUnsafeBufferPointer { best($0, dependentQuantization: dependentQuantization) }
    }
}
