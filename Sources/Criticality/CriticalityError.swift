public import LocatedErrors

/// Errors of the capacity (Shannon–Hartley criticality) analysis: one kind and where it
/// happened (layer, node, tensor or data).
public typealias CriticalityError = LocatedError<CriticalityErrorKind>

/// The kinds of `CriticalityError`.
public enum CriticalityErrorKind: String, LocatedErrorKind {
    /// The model has no Conv/Gemm/MatMul layer with an initializer weight.
    case noLayers
    /// A layer's attributes are outside what the analysis handles (e.g. Conv auto_pad SAME).
    case unsupportedLayer
    /// Data or labels do not fit the model.
    case invalidData
    /// A setting is out of range (sparsity, top K, ...).
    case invalidOption
}
