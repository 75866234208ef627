import Foundation

/// How `lambdaScale` (NNCodec's `lambda_scale`, our `--lambda`) turns into the Lagrange
/// multiplier of the rate–distortion quantizers, exactly as in NNCodec 2.1.3.
///
/// Both quantizers minimise, over the tensor, J = Σ (w/Δ − r)² + λ · R, where r is the
/// reconstruction level (ŵ = r·Δ, so distortion is measured in units of Δ², which makes λ
/// scale with Δ² in absolute terms: the same `lambdaScale` means the same trade-off at every
/// qp) and R the estimated rate in bits from the CABAC context models. With s = `lambdaScale`:
/// - plain (uniform-grid) quantization: λ = s · ln 2 / 6;
/// - dependent quantization: λ = s · 4 · ln 2 / 6 · 0.7 (a DQ quantizer's own spacing is 2Δ,
///   hence the 4; 0.7 is NNCodec's empirical DQ factor).
///
/// NNCodec's default is s = 0: plain rounding without DQ, a distortion-only trellis with DQ.
/// Internally costs are kept as NNCodec keeps them, (2^15 / λ) · (w/Δ − r)² plus the rate in
/// 1/32768 bit, which ranks choices the same way as J.
public enum RateDistortion {
    /// NNCodec's default `lambda_scale`.
    public static let defaultLambdaScale: Double = 0

    /// λ of the plain quantizer (`RDOQuantizer`) for `lambdaScale`.
    public static func uniformLambda(lambdaScale: Double) -> Double { lambdaScale * (log(2.0) / 6.0) }

    /// λ of the DQ trellis (`DependentQuantizer`) for `lambdaScale`.
    public static func dependentLambda(lambdaScale: Double) -> Double { lambdaScale * 4.0 * (log(2.0) / 6.0) * 0.7 }

    /// The factor 2^15 / λ that puts squared errors (in Δ²) on the 1/32768-bit rate scale.
    @inlinable
    static func distortionScale(lambda: Double) -> Double { Double(1 << 15) / lambda }
}
