import Runtime

/// Samples for training or validation: one input array (batch axis first) and per-sample
/// targets (class labels, or a teacher's outputs for distillation).
public struct Dataset: Sendable {
    public var inputs: NDArray
    public var labels: [Int64]?
    public var teacher: NDArray?
    public var count: Int { inputs.shape.first ?? 0 }

    public init(inputs: NDArray, labels: [Int64]? = nil, teacher: NDArray? = nil) throws {
        guard inputs.rank >= 1 else { throw TrainError(.invalidData, "data", "needs a batch axis, got a scalar") }
        let n = inputs.shape[0]
        if let labels, labels.count != n {
            throw TrainError(.invalidData, "labels", "\(labels.count) labels for \(n) samples; give one label per sample")
        }
        if let teacher, teacher.shape.first != n {
            throw TrainError(.invalidData, "teacher outputs", "\(teacher.shape.first ?? 0) rows for \(n) samples")
        }
        self.inputs = inputs
        self.labels = labels
        self.teacher = teacher
    }

    /// The samples at `indices`, in that order.
    public func rows(_ indices: [Int]) -> Dataset {
        Dataset(unchecked: gather(inputs, indices), labels: labels.map { l in indices.map { l[$0] } },
                teacher: teacher.map { gather($0, indices) })
    }

    init(unchecked inputs: NDArray, labels: [Int64]?, teacher: NDArray?) {
        self.inputs = inputs
        self.labels = labels
        self.teacher = teacher
    }

    /// The first `(1 − fraction)` of a seeded permutation for training, the rest for
    /// validation (`SeededSplit`, the split every job uses).
    public func split(validationFraction: Double, seed: UInt64) -> (train: Dataset, validation: Dataset) {
        let r = SeededSplit.rows(count: count, validationFraction: validationFraction, seed: seed)
        return (rows(r.train), rows(r.validation))
    }

    /// A seeded Fisher–Yates permutation of 0..<n.
    public static func permutation(_ n: Int, seed: UInt64) -> [Int] { SeededSplit.permutation(n, seed: seed) }
}

/// Rows `indices` of `a` along axis 0.
func gather(_ a: NDArray, _ indices: [Int]) -> NDArray {
    let inner = a.shape.dropFirst().reduce(1, *)
    var shape = a.shape
    shape[0] = indices.count
    switch a.storage {
    case .float(let v):
        var out = [Float](repeating: 0, count: indices.count * inner)
        for (k, i) in indices.enumerated() { for j in 0..<inner { out[k * inner + j] = v[i * inner + j] } }
        return NDArray(shape: shape, floats: out)
    case .int64(let v):
        return NDArray(shape: shape, int64s: indices.flatMap { v[($0 * inner)..<(($0 + 1) * inner)] })
    case .bool(let v):
        return NDArray(shape: shape, bools: indices.flatMap { v[($0 * inner)..<(($0 + 1) * inner)] })
    }
}
