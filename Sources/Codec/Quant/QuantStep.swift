/// The quantization step size Δ of a tensor, from its qp and the model's qp density.
///
/// Δ = (1 + (qp mod 2^d) / 2^d) · 2^⌊qp / 2^d⌋, computed as NNCodec 2.1.3 computes it
/// (`(2^d + (qp & (2^d − 1))) · 2^(⌊qp / 2^d⌋ − d)` in double) and rounded to float32. The
/// double is exact and so is the rounding for every accepted (qp, d), so `size` is exactly
/// the Δ above. The decoder reconstructs a level r as `Float(r) * size` in float32, with and
/// without dependent quantization (with DQ, r is the trellis reconstruction level 2k or
/// 2k − sgn k, so each of the two quantizers has spacing 2Δ and their union spacing Δ).
///
/// The "step 2^−N" convention (`-q N`) is qp = −N · 2^d, exact for every d.
public struct QuantStep: Sendable, Hashable, CustomStringConvertible {
    /// The tensor's quantization parameter.
    public let qp: Int
    /// The model's qp density d (`mps_qp_density`, 0...7).
    public let qpDensity: Int
    /// Δ as the decoder uses it (float32).
    public let size: Float

    /// The largest |w| / Δ a quantizer accepts. Levels then stay below 2^31 − 1 in
    /// magnitude (also the DQ candidates one or two steps above |w| / Δ), so they are valid
    /// int32 CABAC levels.
    public static let maxScaledMagnitude: Double = 2_147_483_644

    /// Accepts d in 0...7 and qp whose Δ is a normal float32 no larger than 2^64 (so that
    /// `Float(level) * Δ` is finite and exact rounding holds); nil otherwise.
    public init?(qp: Int, qpDensity d: Int = 2) {
        guard (0...7).contains(d) else { return nil }
        guard qp >> d <= 63 else { return nil }
        let delta = NNRQuantization.exactStep(qp: qp, qpDensity: d)
        let f = Float(delta)
        guard f.isNormal, Double(f) == delta else { return nil }
        self.qp = qp
        self.qpDensity = d
        self.size = f
    }

    /// The step 2^−`exponent` (the `-q N` convention): qp = −N · 2^d.
    public init?(powerOfTwo exponent: Int, qpDensity d: Int = 2) {
        guard (0...7).contains(d), exponent.magnitude < 1 << 20 else { return nil }
        self.init(qp: Self.qp(powerOfTwo: exponent, qpDensity: d), qpDensity: d)
    }

    /// The qp of the step 2^−`exponent` at qp density d: −`exponent` · 2^d. The one place
    /// the "q → qp" convention is written.
    public static func qp(powerOfTwo exponent: Int, qpDensity d: Int = 2) -> Int { -exponent << d }

    /// Reconstruction of level `r`, exactly as the decoder computes it: `Float(r) * Δ`.
    @inlinable
    public func reconstruct(_ level: Int32) -> Float { Float(level) * size }

    /// Reconstructions of `levels` into `output` (same count).
    public func reconstruct(_ levels: UnsafeBufferPointer<Int32>, into output: UnsafeMutableBufferPointer<Float>) {
        precondition(levels.count == output.count, "reconstruct: counts differ")
        let delta = size
        for i in 0..<levels.count { output[i] = Float(levels[i]) * delta }
    }

    /// Reconstructions of `levels`.
    public func reconstruct(_ levels: [Int32]) -> [Float] {
        [Float](unsafeUninitializedCapacity: levels.count) { out, n in
            levels.withUnsafeBufferPointer { reconstruct($0, into: out) }
            n = levels.count
        }
    }

    /// The smallest qp ≥ `qp` (same density) whose Δ keeps `maxMagnitude` / Δ within
    /// `maxScaledMagnitude` (NNCodec raises qp the same way to avoid int32 overflow);
    /// nil when `maxMagnitude` is not finite.
    public static func smallestQP(atLeast qp: Int, qpDensity d: Int = 2, maxMagnitude: Float) -> Int? {
        guard maxMagnitude.isFinite, var step = QuantStep(qp: qp, qpDensity: d) else { return nil }
        let m = Double(maxMagnitude.magnitude)
        while m / Double(step.size) > maxScaledMagnitude {
            guard let next = QuantStep(qp: step.qp + 1, qpDensity: d) else { return nil }
            step = next
        }
        return step.qp
    }

    public var description: String { "Δ = \(size) (qp \(qp), density \(qpDensity))" }
}
