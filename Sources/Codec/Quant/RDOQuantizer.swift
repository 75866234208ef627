import CABAC

/// Rate–distortion optimised quantization on the uniform grid (no DQ).
///
/// Each weight, in coding order, takes whichever of the levels 0, r − 1 and r (r = |w|/Δ
/// rounded as `UniformQuantizer` rounds, same sign as w, r − 1 only when ≥ 1) minimises
/// (w/Δ − level)² + λ · bits, with λ from `RateDistortion.uniformLambda(lambdaScale:)`; the
/// smaller magnitude wins a tie. The bits are those of the level against a context store
/// that evolves exactly as the encoder's does (initialization set 0, every chosen level coded
/// into it in order; the per-tensor initialization choice and row skipping are not
/// anticipated). Unlike NNCodec 2.1.3, which prices |level| as if positive, the signed level
/// is priced. `lambdaScale` 0 gives `UniformQuantizer`'s levels exactly.
///
/// Error bound: the level is r, r − 1 or 0, never farther from zero than r, so
/// |w − ŵ| ≤ max(3Δ/2, |w|) plus the float32 rounding of `UniformQuantizer`'s bound, and
/// |ŵ| ≤ |w| + Δ/2 (plus that rounding). Larger λ trades error for rate.
public struct RDOQuantizer: TensorQuantizer {
    public var step: QuantStep
    public var lambdaScale: Double
    /// G, the number of greater-than flags the tensor will be coded with (1...256).
    public var unaryLength: Int
    public var dependentQuantization: Bool { false }

    public init(step: QuantStep, lambdaScale: Double = RateDistortion.defaultLambdaScale, unaryLength: Int = 11) {
        precondition(lambdaScale >= 0 && lambdaScale.isFinite, "lambdaScale must be finite and ≥ 0")
        precondition((1...256).contains(unaryLength), "unary length out of range")
        self.step = step
        self.lambdaScale = lambdaScale
        self.unaryLength = unaryLength
    }

    public func quantize(_ weights: UnsafeBufferPointer<Float>,
                         into levels: UnsafeMutableBufferPointer<Int32>) throws(QuantizationError) {
        let lambda = RateDistortion.uniformLambda(lambdaScale: lambdaScale)
        guard lambda > 0 else {
            return try UniformQuantizer(step: step).quantize(weights, into: levels)
        }
        try checkSizes(weights, levels)
        let delta = Double(step.size)
        let distScale = RateDistortion.distortionScale(lambda: lambda)
        var contexts = ContextSet(unaryLength: unaryLength)
        var previous: Int32 = 0
        for i in 0..<weights.count {
            let w = weights[i]
            let org = Double(w.magnitude) / delta
            guard org <= QuantStep.maxScaledMagnitude else {
                throw firstInvalid(weights) { Double($0) / delta }
            }
            let negative = w < 0
            let rounded = Int32(org.rounded(.toNearestOrAwayFromZero))
            func cost(_ m: Int32) -> Double {
                let k = negative ? -m : m
                var estimator = BitEstimator(adapts: false)
                contexts.encodeLevel(k, state: 0, previous: previous, into: &estimator)
                let e = org - Double(m)
                return distScale * (e * e) + Double(estimator.scaledBits)
            }
            var best: Int32 = 0
            if rounded > 0 {
                var bestCost = cost(0)
                for m in max(1, rounded - 1)...rounded {
                    let c = cost(m)
                    if c < bestCost { bestCost = c; best = m }
                }
            }
            let level = negative ? -best : best
            levels[i] = level
            var update = BitEstimator(adapts: true)
            contexts.encodeLevel(level, state: 0, previous: previous, into: &update)
            previous = level
        }
    }
}
