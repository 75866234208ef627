/// Errors of the capacity (Shannon–Hartley criticality) analysis: one kind and where it
/// happened (layer, node, tensor or data).
public struct CriticalityError: Error, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// The model has no Conv/Gemm/MatMul layer with an initializer weight.
        case noLayers
        /// A layer's attributes are outside what the analysis handles (e.g. Conv auto_pad SAME).
        case unsupportedLayer
        /// Data or labels do not fit the model.
        case invalidData
        /// A setting is out of range (sparsity, top K, ...).
        case invalidOption
    }

    public var kind: Kind
    /// Layer, node, tensor or data the error concerns.
    public var location: String
    public var message: String

    public init(_ kind: Kind, _ location: String, _ message: String) {
        self.kind = kind
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): \(message)" }
}
