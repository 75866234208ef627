/// A tensor that cannot be quantized with the chosen step: which element and why.
public struct QuantizationError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The weight is NaN or infinite.
        case notFinite
        /// |w| / Δ exceeds `QuantStep.maxScaledMagnitude`: use a coarser step
        /// (`QuantStep.smallestQP(atLeast:qpDensity:maxMagnitude:)`).
        case outOfRange
        /// Input and output buffers of different sizes.
        case sizeMismatch(weights: Int, levels: Int)
    }

    public var kind: Kind
    /// Index of the offending element in the tensor (0 for size mismatches).
    public var index: Int
    /// The offending weight (0 for size mismatches).
    public var value: Float
    public var step: QuantStep

    public init(_ kind: Kind, index: Int, value: Float, step: QuantStep) {
        self.kind = kind
        self.index = index
        self.value = value
        self.step = step
    }

    public var description: String {
        switch kind {
        case .notFinite:
            return "weight \(index) is \(value); only finite weights can be quantized"
        case .outOfRange:
            return "weight \(index) = \(value) needs a level beyond 2^31 at \(step); choose a larger qp"
        case .sizeMismatch(let w, let l):
            return "\(w) weights but room for \(l) levels"
        }
    }
}
