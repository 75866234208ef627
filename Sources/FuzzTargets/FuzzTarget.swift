/// The untrusted inputs nncodec parses, one fuzz entry point each.
///
/// Each entry point takes raw bytes, runs them through the same library calls the commands
/// use, swallows the errors those calls are documented to throw (bad input is expected), and
/// throws `FuzzFinding` when an invariant fails. A crash, trap, leak or runaway allocation in
/// the library is a finding too; libFuzzer (the `Fuzz/` package) and the regression suite
/// (`Tests/FuzzRegressionTests`, replaying `testdata/fuzz/<name>/`) call these same functions.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case nnrDecode = "fuzz-nnr-decode"
    case onnxLoad = "fuzz-onnx-load"
    case npy = "fuzz-npy"
    case encodeRoundtrip = "fuzz-encode-roundtrip"

    /// Runs one input through the target.
    public func run(_ bytes: [UInt8]) throws(FuzzFinding) {
        switch self {
        case .nnrDecode: try NNRDecodeTarget.run(bytes)
        case .onnxLoad: try ONNXLoadTarget.run(bytes)
        case .npy: try DataFileTarget.run(bytes)
        case .encodeRoundtrip: try EncodeRoundtripTarget.run(bytes)
        }
    }
}

/// An invariant that failed for a fuzz input: the target, and what went wrong.
public struct FuzzFinding: Error, CustomStringConvertible, Sendable {
    public var target: FuzzTarget
    public var detail: String
    public init(_ target: FuzzTarget, _ detail: String) {
        self.target = target
        self.detail = detail
    }
    public var description: String { "\(target.rawValue): \(detail)" }
}

/// Resource bounds of the fuzz entry points, so that `-rss_limit_mb=2048` holds.
///
/// The parsers' own bounds come from the input (see `NNRLimits`); the one extra cap here is
/// the tensor size a *valid* stream may reach: an all-zero tensor of 2^28 elements codes in a
/// few bytes (row skipping) and legitimately needs 2 GiB to decode (levels and values).
enum FuzzBounds {
    static let maxTensorElements = 1 << 16
    /// Elements a stream may declare in all its tensors together for `fuzz-nnr-decode` to
    /// decode it (its headers are still read). Decoding costs a few CABAC bins per element,
    /// and a stream may hold any number of tensors, so this bounds the work per input; the
    /// largest seed (NNCodec's scan-order streams, 12,744 elements) stays below it.
    static let maxStreamElements = 1 << 14
}

extension FuzzTarget {
    /// Runs the code paths whose first use fills process-wide caches (CABAC tables, Swift
    /// metadata), so that libFuzzer's leak check does not count those one-time allocations
    /// against the first input that happens to reach them. Call once before fuzzing.
    public static func warmUp() {
        try? EncodeRoundtripTarget.run([UInt8](repeating: 0x41, count: 600))
        for target in allCases { try? target.run([]) }
    }
}
