/// An error of the Reports module: what went wrong, and where (a file, a method's label).
public struct ReportError: Error, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable {
        /// A training log that cannot be read.
        case log
        /// A model that cannot be measured.
        case model
    }

    public var kind: Kind
    public var location: String
    public var message: String

    public init(_ kind: Kind, _ location: String, _ message: String) {
        self.kind = kind
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): \(message)" }
}
