/// Plain rounding to the nearest multiple of Δ (NNCodec's quantizer at `lambda_scale` 0).
///
/// Rounding rule: the level is w / Δ rounded to the nearest integer, ties away from zero,
/// decided on the exact quotient. (The quotient is formed in double; for float32 w and the
/// Δ of any `QuantStep` the double quotient lies on the same side of every half-integer as
/// the exact one and is a half-integer only when the exact one is, so no rounding slip
/// can move a level.) NNCodec rounds `float32(float32(1/Δ) · w)` instead, which can differ
/// by one level within a few float32 ulps of a tie when Δ is not a power of two.
///
/// Error bound, with ŵ = `Float(level) * Δ` as the decoder computes it:
/// |w − ŵ| ≤ Δ/2 + 2^−24·|ŵ| whenever |level| ≤ 2^24; for larger levels (where
/// `Float(level)` itself rounds) |w − ŵ| ≤ Δ/2 + 2^−22·|ŵ|. The Δ/2 term is exact
/// (w − level·Δ in real arithmetic); the second is the float32 rounding of the product.
/// When Δ is a power of two and |level| ≤ 2^24 the product is exact and |w − ŵ| ≤ Δ/2.
/// Zeros (±0) and |w| < Δ/2 give level 0; a tie ±Δ/2 gives ±1.
public struct UniformQuantizer: TensorQuantizer {
    public var step: QuantStep
    public var dependentQuantization: Bool { false }

    public init(step: QuantStep) { self.step = step }

    /// Throws for NaN/infinite weights and for |w| / Δ > `QuantStep.maxScaledMagnitude`
    /// (`levels` then holds partial output).
    public func quantize(_ weights: UnsafeBufferPointer<Float>,
                         into levels: UnsafeMutableBufferPointer<Int32>) throws(QuantizationError) {
        try checkSizes(weights, levels)
        let delta = Double(step.size)
        let limit = QuantStep.maxScaledMagnitude
        let n = weights.count
        guard n > 0 else { return }
        let w = weights.baseAddress!, out = levels.baseAddress!
        // For a power-of-two Δ, w · (1/Δ) is w / Δ exactly (a double scaled by a power of
        // two, far from overflow and underflow), and a multiply is cheaper than a divide.
        let inverse = 1 / delta
        let bad = delta.significandBitPattern == 0 && delta.isNormal
            ? Self.round(w, out, count: n, limit: limit) { Double($0) * inverse }
            : Self.round(w, out, count: n, limit: limit) { Double($0) / delta }
        if bad { throw firstInvalid(weights) { Double($0) / delta } }
    }

    /// Writes the rounded quotients `scaled(w[i])`; true when one was NaN or out of range.
    @inline(__always)
    static func round(_ w: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Int32>, count n: Int, limit: Double,
                      _ scaled: (Float) -> Double) -> Bool {
        var bad: UInt8 = 0
        for i in 0..<n {
            let q = scaled(w[i])
            let ok = q.magnitude <= limit            // false for NaN
            bad |= ok ? 0 : 1
            let qc = ok ? q : 0
            let t = Int64(qc)                        // toward zero
            let frac = qc - Double(t)                // exact
            let r = t &+ (frac >= 0.5 ? 1 : 0) &- (frac <= -0.5 ? 1 : 0)
            out[i] = Int32(truncatingIfNeeded: r)
        }
        return bad != 0
    }

    /// The level of one weight (same rule; nil when it cannot be quantized).
    public func level(_ w: Float) -> Int32? {
        let q = Double(w) / Double(step.size)
        guard q.magnitude <= QuantStep.maxScaledMagnitude else { return nil }
        return Int32(q.rounded(.toNearestOrAwayFromZero))
    }
}
