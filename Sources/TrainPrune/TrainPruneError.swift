public import LocatedErrors

/// Errors of training-time pruning: one kind and where it happened (file, tensor, layer, stage).
public typealias TrainPruneError = LocatedError<TrainPruneErrorKind>

/// The kinds of `TrainPruneError`.
public enum TrainPruneErrorKind: String, LocatedErrorKind {
    /// Settings out of range (λ, learning rate, TWT, PWE, target).
    case invalidOption
    /// Missing or unusable data (no labels).
    case invalidData
    /// The model has no Conv, Gemm or MatMul layer to prune.
    case nothingToPrune
    /// The training loss became NaN or infinite.
    case nonFiniteLoss
}
