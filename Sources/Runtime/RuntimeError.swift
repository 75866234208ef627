/// Errors of the inference engine. Each names the node (and operator) it concerns.
public enum RuntimeError: Error, Equatable, CustomStringConvertible {
    case noGraph
    case unsupportedOperator(op: String, domain: String, node: String)
    case notTopologicallySorted(node: String, input: String, producer: String)
    case undefinedValue(name: String, node: String)
    case missingInput(name: String)
    case unknownName(String)
    case inputMismatch(String)
    case invalidNode(node: String, op: String, message: String)
    case invalidTensor(String)
    case unsupportedDataType(String)
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .noGraph: return "model has no graph"
        case let .unsupportedOperator(op, domain, node):
            return "unsupported operator \(domain.isEmpty ? "" : domain + ".")\(op) (node '\(node)')"
        case let .notTopologicallySorted(node, input, producer):
            return "graph is not topologically sorted: node '\(node)' consumes '\(input)', which the later node '\(producer)' produces"
        case let .undefinedValue(name, node):
            return "node '\(node)' consumes '\(name)', which no graph input, initializer or earlier node provides"
        case let .missingInput(name): return "no value given for graph input '\(name)'"
        case let .unknownName(name): return "the graph has no value called '\(name)'"
        case let .inputMismatch(m): return m
        case let .invalidNode(node, op, message): return "\(op) node '\(node)': \(message)"
        case let .invalidTensor(m): return "invalid tensor: \(m)"
        case let .unsupportedDataType(t): return "unsupported data type \(t)"
        case let .invalidArgument(m): return m
        }
    }
}
