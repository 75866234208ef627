/// A failure to read or write an ONNX model, phrased so a person can act on it.
///
/// `description` is one line: the file, where in it (byte offset or tensor), what is
/// wrong, and what to do.
public struct ONNXError: Error, Equatable, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable {
        case fileNotFound, isDirectory, readFailed, emptyFile, malformed, notAModel
        case externalData, unsupportedTensor, writeFailed
    }

    public var kind: Kind
    public var file: String
    public var offset: Int?
    public var tensor: String?
    public var detail: String
    public var hint: String

    public init(_ kind: Kind, file: String, offset: Int? = nil, tensor: String? = nil, detail: String, hint: String) {
        self.kind = kind
        self.file = file
        self.offset = offset
        self.tensor = tensor
        self.detail = detail
        self.hint = hint
    }

    public var description: String {
        var s = file
        if let offset { s += ": byte \(offset)" }
        if let tensor { s += ": tensor '\(tensor)'" }
        s += ": \(detail)"
        if !hint.isEmpty { s += " (\(hint))" }
        return s
    }
}
