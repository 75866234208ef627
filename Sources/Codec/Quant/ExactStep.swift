/// A power-of-two step Δ = 2^e at which every value of a float tensor is an integer level,
/// so the FLOAT payload reconstructs each value bit for bit.
///
/// Why: values that must stay exact (Resize scales, Range bounds, Pow exponents, masks) were
/// stored as NNR_PT_RAW_FLOAT, which NNCodec 2.1.3 cannot read before another unit (its
/// `BitReader.flt_tensor` leaves a float byte position under numpy 1.x; docs/interop.md).
/// A quantized unit at an exact step carries the same values through the path every decoder
/// has. Each finite value is v = m · 2^e with m an integer; at the step 2^e the level is m and
/// both decoders compute `Float(m) * 2^e` in float32: exact whenever |m| < 2^24 (m is then
/// a float32 integer and the product is v itself). NNCodec computes the step as
/// `mul * pow(2.0, qp >> d − d)` in double with mul = 2^d when qp is a multiple of 2^d, so
/// qp = e · 2^d gives exactly 2^e on both sides.
///
/// e is the lowest set bit over the tensor's values (fewest level bits), or lower when the
/// qp of 2^e cannot be signalled (the NDU's qp is a (6 + d)-bit offset from the model qp).
public struct ExactStep: Sendable, Equatable {
    /// The step's exponent e (Δ = 2^e) and its qp, e · 2^d.
    public let exponent: Int
    public let qp: Int
    /// One level per value: value / 2^e.
    public let levels: [Int32]

    /// Why no exact step exists; the tensor then stays NNR_PT_RAW_FLOAT.
    public enum Refusal: Sendable, Equatable {
        /// ±inf or NaN: no level represents it.
        case nonFinite
        /// −0.0: level 0 reconstructs +0.0.
        case negativeZero
        /// The values need levels of 2^24 or more at every signallable step (largest over
        /// smallest set bit beyond 2^24, or a tiny or huge value whose step is out of range).
        case noSignallableStep
    }

    /// The largest |level| (exclusive) that float32 holds exactly: 2^24.
    public static let levelLimit = 1 << 24

    /// The exact step of `values` whose qp lies in `qps` (and is a valid `QuantStep` at
    /// density `qpDensity`), or why there is none.
    public static func choose(_ values: [Float], qpDensity d: Int, qps: ClosedRange<Int>) -> Choice {
        var lowest = Int.max, highest = Int.min
        for v in values {
            guard v.isFinite else { return .refused(.nonFinite) }
            if v == 0 {
                if v.sign == .minus { return .refused(.negativeZero) }
                continue
            }
            let (low, high) = setBits(v)
            lowest = min(lowest, low)
            highest = max(highest, high)
        }
        // Exponents whose qp fits: qp = e · 2^d within `qps`, Δ a normal float32.
        let eMin = max(-((-qps.lowerBound) >> d), -126), eMax = min(qps.upperBound >> d, 63)
        guard eMin <= eMax else { return .refused(.noSignallableStep) }
        // All zeros: any step; the one nearest 1.
        let e = lowest == .max ? min(max(0, eMin), eMax) : min(lowest, eMax)
        guard e >= eMin, highest == .min || highest - e < 24, let step = QuantStep(qp: e << d, qpDensity: d),
              step.size == Float(sign: .plus, exponent: e, significand: 1) else {
            return .refused(.noSignallableStep)
        }
        let levels = values.map { Int32(($0 / step.size).rounded(.towardZero)) }
        return .exact(ExactStep(exponent: e, qp: e << d, levels: levels))
    }

    /// The exponents of the lowest and the highest set bit of finite nonzero `v`'s magnitude
    /// (subnormals included): |v| = m · 2^low with m odd, and 2^high ≤ |v| < 2^(high+1).
    static func setBits(_ v: Float) -> (low: Int, high: Int) {
        let biased = Int(v.exponentBitPattern)
        let significand = biased == 0 ? v.significandBitPattern : v.significandBitPattern | (1 << 23)
        let unit = (biased == 0 ? 1 : biased) - 150   // exponent of the significand's bit 0
        let low = unit + significand.trailingZeroBitCount
        let high = unit + (UInt32.bitWidth - 1 - significand.leadingZeroBitCount)
        return (low, high)
    }

    /// The outcome of `choose`.
    public enum Choice: Sendable, Equatable {
        case exact(ExactStep)
        case refused(Refusal)

        /// The step, when there is one.
        public var step: ExactStep? { if case .exact(let s) = self { s } else { nil } }
    }
}
