/// What a module's error kinds have in common: a closed set of cases a caller can switch on.
public protocol LocatedErrorKind: Sendable, Equatable {}

/// The error shape the computing modules share: one kind, where it happened (a file, tensor,
/// layer, node, stage or setting) and a one-line message.  Each module keeps its own error
/// type as a specialisation, e.g. `public typealias TrainError = LocatedError<TrainErrorKind>`,
/// so a caller still catches one type per module and switches on that module's kinds.
public struct LocatedError<K: LocatedErrorKind>: Error, Equatable, Sendable, CustomStringConvertible {
    public typealias Kind = K

    public var kind: Kind
    /// The file, tensor, layer, node, stage or setting the error concerns.
    public var location: String
    public var message: String

    public init(_ kind: Kind, _ location: String, _ message: String) {
        self.kind = kind
        self.location = location
        self.message = message
    }

    /// "location: message", the one line the command line prints.
    public var description: String { "\(location): \(message)" }
}
