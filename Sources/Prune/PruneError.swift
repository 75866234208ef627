/// A pruning or simplification failure: what kind, and one line saying what is wrong.
///
/// Messages name settings by their library names (sparsity, twt, …); a command line maps
/// `kind` to its own flags and advice.
public struct PruneError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Anything without a more precise kind (no graph, nothing to prune, …).
        case general
        /// These settings are out of range or contradict each other.
        case setting([PruneSetting])
        /// The settings need data that was not given.
        case missingData(PruneData)
        /// The data given is inconsistent (labels for a different number of samples, …).
        case data
        /// Static shape inference failed (the message names the node).
        case shapes
        /// Least-squares compensation found no solution.
        case numerical
    }

    public var kind: Kind
    public var message: String
    public var description: String { message }

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public init(_ message: String) { self.init(.general, message) }
}

/// Settings of `PruneOptions`, as a command line exposes them.
public enum PruneSetting: String, Sendable, Equatable, CaseIterable {
    case criterion, sparsity, threshold, twt, perLayer, epsilon, compensate, score
}

/// Data a pruning setting can need.
public enum PruneData: String, Sendable, Equatable {
    /// Inputs with labels (the loss-bounded search, activation scores).
    case labelled
    /// Inputs the least-squares compensation fits on (or labelled data).
    case calibration
}
