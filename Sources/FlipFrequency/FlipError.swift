public import LocatedErrors

/// Errors of flip-frequency pruning: one kind and where it happened (model, layer, tensor,
/// node or data file).
public typealias FlipError = LocatedError<FlipErrorKind>

/// The kinds of `FlipError`.
public enum FlipErrorKind: String, LocatedErrorKind {
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
