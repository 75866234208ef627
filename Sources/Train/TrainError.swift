public import LocatedErrors

/// Errors of the learning engine: one kind and where it happened (node, tensor, file, step).
public typealias TrainError = LocatedError<TrainErrorKind>

/// The kinds of `TrainError`.
public enum TrainErrorKind: String, LocatedErrorKind {
    /// An operator on a trainable path has no backward rule.
    case missingRule
    /// No trainable tensor reaches the objective.
    case noTrainablePath
    /// A node's inputs or attributes do not fit the backward rule.
    case invalidNode
    /// Labels, data or teacher outputs do not fit the model.
    case invalidData
    /// The loss became NaN or infinite.
    case nonFiniteLoss
    /// A name that is neither a value nor an initializer of the graph.
    case unknownValue
    /// Invalid settings (learning rate, batch size, ...).
    case invalidOption
}

extension TrainError {
    static func node(_ name: String, _ op: String, _ message: String) -> TrainError {
        TrainError(.invalidNode, "\(op) node '\(name)'", message)
    }
}
