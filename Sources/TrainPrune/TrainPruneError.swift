/// Errors of training-time pruning: one kind and where it happened (file, tensor, layer, stage).
public struct TrainPruneError: Error, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// Settings out of range (λ, learning rate, TWT, PWE, target).
        case invalidOption
        /// Missing or unusable data (no labels).
        case invalidData
        /// The model has no Conv, Gemm or MatMul layer to prune.
        case nothingToPrune
        /// The training loss became NaN or infinite.
        case nonFiniteLoss
    }

    public var kind: Kind
    /// File, tensor, layer or stage the error concerns.
    public var location: String
    public var message: String

    public init(_ kind: Kind, _ location: String, _ message: String) {
        self.kind = kind
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): \(message)" }
}
