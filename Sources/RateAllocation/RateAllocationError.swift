/// A failure of the rate-allocation search: a kind and one line naming the data, tensor or budget.
public struct RateAllocationError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// No samples, labels that do not match the samples, or data the model cannot run.
        case invalidData
        /// The budget is not met even with every weight tensor at the finest step of the grid.
        case budgetUnreachable
        /// A setting outside its range (budget, grid, split).
        case invalidSetting
    }

    public var kind: Kind
    /// What the message is about: a file, a tensor, "budget".
    public var location: String
    public var message: String

    public init(_ kind: Kind, _ location: String, _ message: String) {
        self.kind = kind
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): \(message)" }
}
