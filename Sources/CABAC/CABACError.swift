/// An error of the entropy coding layer.
public struct CABACError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The coded data ended before decoding did.
        case truncated
        /// The terminating bin decoded as 0.
        case missingTerminatingBin
        /// Bytes remain after the end of the coded data.
        case trailingBytes(Int)
        /// A level cannot be coded (|level| ≥ 2^31, or an odd/even mismatch with the DQ state).
        case invalidLevel(index: Int, level: Int32)
        /// Parameters that do not describe a tensor (sizes, unary length, ...).
        case invalidParameters(String)
    }

    public var kind: Kind
    /// Byte offset in the coded data where the problem was found.
    public var byteOffset: Int

    public init(_ kind: Kind, byteOffset: Int) {
        self.kind = kind
        self.byteOffset = byteOffset
    }

    public var description: String {
        switch kind {
        case .truncated: return "coded data truncated (needed bytes beyond offset \(byteOffset))"
        case .missingTerminatingBin: return "terminating bin missing at byte \(byteOffset)"
        case .trailingBytes(let n): return "\(n) unexpected bytes after the coded data at byte \(byteOffset)"
        case .invalidLevel(let i, let level): return "level \(level) at position \(i) cannot be coded"
        case .invalidParameters(let why): return "invalid coding parameters: \(why)"
        }
    }
}
