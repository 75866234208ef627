/// Errors of the tensor layer: a tensor that cannot become an `NDArray`, or conv geometry
/// that has no valid output. Each names what it concerns.
public enum TensorError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An ONNX dtype the arrays do not hold (strings, complex numbers, …).
    case unsupportedDataType(String)
    /// A tensor whose payload does not match its dims.
    case invalidTensor(String)
    /// Convolution or pooling attributes with no valid output (the message says which).
    case invalidGeometry(String)
    /// Static shape inference cannot find a shape at `node` (its name, or "#index op").
    case shapeInference(node: String, message: String)

    public var description: String {
        switch self {
        case let .unsupportedDataType(t): return "unsupported data type \(t)"
        case let .invalidTensor(m): return "invalid tensor: \(m)"
        case let .invalidGeometry(m): return m
        case let .shapeInference(node, m): return node.isEmpty ? m : "node '\(node)': \(m)"
        }
    }
}
