import CABAC

/// Dependent quantization (DQ, trellis-coded quantization): a Viterbi search over the
/// 8-state trellis of `DependentQuantization` for the level sequence of least
/// J = Σ (w/Δ − r)² + λ · R (see `RateDistortion`).
///
/// Per weight and trellis state the candidates are, for each of the two outgoing parities,
/// the nearest level of that parity in the state's quantizer (Q0: r = 2k, Q1: r = 2k − sgn k)
/// on the side of w's sign, plus 0 (parity 0) — the same candidate set as NNCodec 2.1.3. The
/// state advances over every element, zeros included (all-zero rows under row skipping
/// are still part of the trellis, as the decoder's state advances over them).
///
/// Rate (λ > 0): costs come from a `LevelRateTable` of the CABAC contexts — exact for the DQ
/// state and the neighbour class (each trellis state tracks the last level on its survivor
/// path) but frozen between refreshes: every `rateRefreshInterval` elements the current best
/// path is traced back, its last `contextTrackingWindow` levels are coded into a running
/// context store (adapting, as the encoder would), and the table is rebuilt. On LeNet-300 at
/// `lambdaScale` 1 the defaults (4096, 1024) cost 0.08% in J against refreshing every 256
/// elements with every level tracked, at twice the speed; never refreshing costs 0.4%
/// (docs/quant.md).
///
/// λ = 0 (NNCodec's default) is a pure distortion search. Its decisions, tie-breaking
/// included (predecessors in increasing state order, a non-zero candidate before 0, the
/// lowest final state), and its arithmetic (w · (1/Δ) in double) follow NNCodec's, so the
/// levels are NNCodec's.
///
/// Error bound (ŵ = `Float(r) * Δ`, plus its float32 rounding as for `UniformQuantizer`):
/// at λ = 0, |w − ŵ| ≤ 2Δ for every element (each branch's candidate lies within 2Δ of w,
/// and level 0 beats the other candidate of its branch when |w| < 2Δ); at λ > 0,
/// |w − ŵ| ≤ max(4Δ, |w|).
///
/// Output: reconstruction levels (what `CABACEncoder.encodeTensor` takes with
/// `dependentQuantization: true`); ŵ = `Float(r) * Δ`. Memory: 2 bytes per weight for the
/// survivor decisions.
public struct DependentQuantizer: TensorQuantizer {
    public var step: QuantStep
    public var lambdaScale: Double
    /// G, the number of greater-than flags the tensor will be coded with (1...256).
    public var unaryLength: Int
    /// Elements between rate-table refreshes (λ > 0).
    public var rateRefreshInterval: Int
    /// Of each refresh interval, how many of the last elements are coded into the running
    /// contexts (older ones only age out of the adaptive states anyway).
    public var contextTrackingWindow: Int
    /// The state the path must end in (nil: the lowest-cost one). A row of blocks that an
    /// entry point follows ends in the state that entry point registers (see `quantizeRows`).
    public var finalState: Int? = nil
    public var dependentQuantization: Bool { true }

    public init(step: QuantStep, lambdaScale: Double = RateDistortion.defaultLambdaScale, unaryLength: Int = 11,
                rateRefreshInterval: Int = 4096, contextTrackingWindow: Int = 1024) {
        precondition(lambdaScale >= 0 && lambdaScale.isFinite, "lambdaScale must be finite and ≥ 0")
        precondition((1...256).contains(unaryLength), "unary length out of range")
        precondition(rateRefreshInterval >= 1, "refresh interval must be positive")
        self.step = step
        self.lambdaScale = lambdaScale
        self.unaryLength = unaryLength
        self.rateRefreshInterval = rateRefreshInterval
        self.contextTrackingWindow = max(1, contextTrackingWindow)
    }

    public func quantize(_ weights: UnsafeBufferPointer<Float>,
                         into levels: UnsafeMutableBufferPointer<Int32>) throws(QuantizationError) {
        try checkSizes(weights, levels)
        let n = weights.count
        guard n > 0 else { return }
        let inv = 1.0 / Double(step.size)
        let lambda = RateDistortion.dependentLambda(lambdaScale: lambdaScale)
        var decisions = [UInt16](repeating: 0, count: n)
        let ok: Bool = decisions.withUnsafeMutableBufferPointer { dec in
            if lambda > 0 {
                var trellis = Trellis<WithRate>(weights: weights, inverseStep: inv,
                                                distortionScale: RateDistortion.distortionScale(lambda: lambda),
                                                unaryLength: unaryLength, refresh: rateRefreshInterval,
                                                window: contextTrackingWindow)
                return trellis.run(decisions: dec.baseAddress!, levels: levels.baseAddress!, finalState: finalState)
            } else {
                var trellis = Trellis<DistortionOnly>(weights: weights, inverseStep: inv, distortionScale: 1,
                                                      unaryLength: unaryLength, refresh: n, window: n)
                return trellis.run(decisions: dec.baseAddress!, levels: levels.baseAddress!, finalState: finalState)
            }
        }
        if !ok { throw firstInvalid(weights) { Double($0) * inv } }
    }
}

/// Whether a trellis run prices rate (a compile-time switch for specialization).
protocol TrellisRateMode { static var rated: Bool { get } }
enum DistortionOnly: TrellisRateMode { static var rated: Bool { false } }
enum WithRate: TrellisRateMode { static var rated: Bool { true } }

/// The trellis connections in NNCodec's order: for each state, its three incoming branches
/// (predecessor, candidate class). Class c < 4 is the non-zero candidate whose |r| ≡ c (mod 4)
/// (Q0 parity 0: 0, Q0 parity 1: 2, Q1 parity 0: 3, Q1 parity 1: 1); class 4 is level 0.
/// Packed as predecessor | class << 3.
let trellisBranches: [UInt8] = {
    var lists = [[UInt8]](repeating: [], count: 8)
    for prev in 0..<8 {
        let q = prev & 1
        let (to0, to1) = DependentQuantization.transitions[prev]
        lists[Int(to0)].append(UInt8(prev | (3 * q) << 3))
        lists[Int(to0)].append(UInt8(prev | 4 << 3))
        lists[Int(to1)].append(UInt8(prev | (2 - q) << 3))
    }
    precondition(lists.allSatisfy { $0.count == 3 })
    return lists.flatMap { $0 }
}()

/// `trellisBranches` as indices into a step's outgoing costs (3·prev + 0: the parity-0
/// candidate, 1: zero, 2: the parity-1 candidate), three per state in the same order.
let trellisIncoming: [Int] = trellisBranches.map { entry in
    let prev = Int(entry) & 7, cls = Int(entry) >> 3
    return 3 * prev + (cls == 4 ? 1 : (cls == 3 * (prev & 1) ? 0 : 2))
}
