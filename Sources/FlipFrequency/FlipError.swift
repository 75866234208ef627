/// Errors of flip-frequency pruning: one kind and where it happened (model, layer, tensor,
/// node or data file).
public struct FlipError: Error, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// The model has no Conv/Gemm/MatMul whose weight is `Sign(initializer)`.
        case notBinary
        /// A channel cannot be removed: its path reaches an operator, a shared tensor or a
        /// graph output the shrink does not handle.
        case unsupported
        /// Data or labels are missing or do not fit the model.
        case invalidData
        /// A setting is out of range.
        case invalidOption
    }

    public var kind: Kind
    /// Model, layer, tensor, node or data the error concerns.
    public var location: String
    public var message: String

    public init(_ kind: Kind, _ location: String, _ message: String) {
        self.kind = kind
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): \(message)" }
}
