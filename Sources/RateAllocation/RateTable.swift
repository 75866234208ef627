import Codec
import ONNXIO

/// Measured rate and distortion of every weight tensor at every candidate qp.
///
/// One uniform encode per qp (the real encoder: quantizer, DQ, param_opt, CABAC), so a
/// tensor's bytes are its compressed-data unit exactly as it would be written, and its
/// distortion is the quantizer's measured mean squared error.
public struct RateTable: Sendable {
    public struct Entry: Sendable, Equatable {
        /// The tensor's qp at this grid point.
        public var qp: Int
        public var bytes: Int
        public var mse: Double
    }

    /// Candidate weight qps, finest (most negative) first.
    public var qps: [Int]
    /// Quantized tensors in model order with their element counts; non-weight tensors (1-D:
    /// biases, BatchNorm) are coded `nonWeightOffset` qp finer than the weights of a grid point.
    public var tensors: [(name: String, parameters: Int, weight: Bool)]
    /// entries[t][k]: tensor t at qps[k].
    public var entries: [[Entry]]
    /// Bytes of everything but the allocated tensors (headers, non-weights), at qps[0].
    public var otherBytes: Int

    /// Encodes `model` at each qp of `qps` with `options` (its qp replaced, its non-weight qp
    /// set `nonWeightOffset` below). `progress`: (done, total, qp).
    public static func measure(model: Model, options: EncodeOptions, qps: [Int], nonWeightOffset: Int = -16,
                               progress: ((Int, Int, Int) -> Void)? = nil) throws -> RateTable {
        let sorted = Array(Set(qps)).sorted()
        guard !sorted.isEmpty else { throw RateAllocationError(.invalidSetting, "qp grid", "is empty; give at least one qp") }
        var names: [(String, Int, Bool)] = []
        var entries: [[Entry]] = []
        var other = 0
        for (k, qp) in sorted.enumerated() {
            var o = options
            o.qp = qp
            o.nonWeightQp = qp + nonWeightOffset
            o.tensorQps = nil
            o.carryTopology = false
            let report = try ModelEncoder(options: o).encode(model).report
            // Binary tensors are coded at qp 0 whatever the options: nothing to allocate.
            let weights = report.tensors.filter {
                ($0.role == .weight && $0.qp == qp) || ($0.role == .nonWeight && $0.qp == o.nonWeightQp)
            }
            if k == 0 {
                names = weights.map { ($0.name, $0.parameters, $0.role == .weight) }
                entries = Array(repeating: [], count: weights.count)
                other = report.bitstreamBytes - weights.reduce(0) { $0 + $1.bytes }
            }
            guard weights.map(\.name) == names.map(\.0) else {
                throw RateAllocationError(.invalidSetting, "qp \(qp)", "changes which tensors are quantized; narrow the qp grid")
            }
            for (t, w) in weights.enumerated() { entries[t].append(Entry(qp: w.qp ?? qp, bytes: w.bytes, mse: w.rmsError * w.rmsError)) }
            progress?(k + 1, sorted.count, qp)
        }
        return RateTable(qps: sorted, tensors: names.map { (name: $0.0, parameters: $0.1, weight: $0.2) }, entries: entries,
                         otherBytes: other)
    }

    public init(qps: [Int], tensors: [(name: String, parameters: Int, weight: Bool)], entries: [[Entry]], otherBytes: Int) {
        self.qps = qps
        self.tensors = tensors
        self.entries = entries
        self.otherBytes = otherBytes
    }

    /// Bytes of a whole allocation (qp index per tensor), as the encoder would write it.
    public func bytes(_ choice: [Int]) -> Int {
        otherBytes + choice.enumerated().reduce(0) { $0 + entries[$1.offset][$1.element].bytes }
    }
}
