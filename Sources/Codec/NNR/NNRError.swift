import CABAC

/// An error reading or writing an NNR bitstream: what went wrong, the byte offset in the
/// stream, and the unit and tensor concerned when known.
public struct NNRError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The stream or a unit ended before its syntax did.
        case truncated
        /// A unit's size field is impossible (smaller than its header, beyond the stream).
        case badUnitSize(Int)
        /// An `nnr_unit_type` this decoder does not know.
        case badUnitType(Int)
        /// Units out of the order the syntax requires (e.g. an NDU before the MPS).
        case badUnitOrder(String)
        /// A syntax element with a value that is invalid or inconsistent.
        case invalidValue(String)
        /// Valid syntax this implementation does not handle (codebooks, blocks, ...).
        case unsupported(String)
        /// Bytes left over in a unit after its syntax ended.
        case trailingBytes(Int)
        /// The entropy-coded payload failed to decode or encode.
        case entropyCoding(CABACError)
        /// The stream's file could not be read (an I/O error, with the system's reason).
        case readFailed(String)
    }

    public var kind: Kind
    /// Offset of the problem from the start of the stream.
    public var byteOffset: Int
    /// Index of the unit in the stream.
    public var unitIndex: Int?
    /// The tensor (`topology_elem_id`) concerned.
    public var tensorName: String?

    public init(_ kind: Kind, byteOffset: Int, unitIndex: Int? = nil, tensorName: String? = nil) {
        self.kind = kind
        self.byteOffset = byteOffset
        self.unitIndex = unitIndex
        self.tensorName = tensorName
    }

    public var description: String {
        var where_ = "at byte \(byteOffset)"
        if let unitIndex { where_ += ", unit \(unitIndex)" }
        if let tensorName { where_ += ", tensor '\(tensorName)'" }
        let what: String
        switch kind {
        case .truncated: what = "NNR bitstream truncated"
        case .badUnitSize(let n): what = "bad nnr_unit_size \(n)"
        case .badUnitType(let t): what = "unknown nnr_unit_type \(t)"
        case .badUnitOrder(let s): what = "units out of order: \(s)"
        case .invalidValue(let s): what = "invalid value: \(s)"
        case .unsupported(let s): what = "unsupported: \(s)"
        case .trailingBytes(let n): what = "\(n) unexpected bytes at the end of a unit"
        case .entropyCoding(let e): what = "entropy coding: \(e)"
        case .readFailed(let r): what = "cannot read the stream: \(r)"
        }
        return "\(what) (\(where_))"
    }
}
