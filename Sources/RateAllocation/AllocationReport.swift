/// Settings of a rate-allocation search.
public struct AllocationOptions: Sendable {
    public var budget: AccuracyBudget
    /// Candidate weight qps (at the encode options' qp density); NNCodec's grid by default.
    public var qps: [Int] = Array(-60 ... -8)
    /// Evaluations of the bisection on the multiplier (after the finest and coarsest probes).
    public var bisectionSteps = 10
    /// Evaluations of the final greedy pass (one-step coarsenings of single tensors).
    public var greedyEvaluations = 24
    /// At most this many uniform allocations (every weight tensor at one qp, as NNCodec codes)
    /// are probed after the bisection, smallest first, while smaller than the best so far.
    public var uniformEvaluations = 16
    /// Samples per inference batch.
    public var batchSize = 64
    /// Samples per gradient batch of the Fisher estimate.
    public var fisherBatch = 8
    /// Search twice, with and without dependent quantization, and keep the smaller stream
    /// (the encode options' own DQ setting is then ignored). Twice the search time.
    public var chooseDependentQuantization = false

    public init(budget: AccuracyBudget) { self.budget = budget }
}

/// What one weight tensor got.
public struct TensorAllocation: Sendable, Codable, Equatable {
    public var name: String
    public var parameters: Int
    public var qp: Int
    /// Bytes of its compressed-data unit.
    public var bytes: Int
    /// Σ of its diagonal Fisher information (estimated: no gradient path, see `Sensitivity`).
    public var fisher: Double
    public var fisherEstimated: Bool
    /// Mean squared quantization error at its qp.
    public var mse: Double
}

/// One evaluated configuration.
public struct AllocationProbe: Sendable, Codable, Equatable {
    /// "finest", "coarsest", "bisection", "greedy".
    public var phase: String
    public var lambda: Double?
    /// Stream bytes without the topology unit.
    public var bytes: Int
    /// The budget's metric on the validation data (top-1, agreement or cosine).
    public var value: Double
    public var meets: Bool
}

/// The outcome of a search: the allocation, how it was found, and how long it took.
public struct AllocationReport: Sendable, Codable, Equatable {
    public var budget: AccuracyBudget
    public var validationSamples: Int
    /// The original's metric on the validation data (top-1; 1 for agreement/cosine).
    public var baseline: Double
    /// The chosen allocation's metric on the validation data.
    public var achieved: Double
    /// The same two on the held-out samples, if the split left any (never used by the search).
    public var heldOutSamples: Int?
    public var heldOutBaseline: Double?
    public var heldOutAchieved: Double?
    public var tensors: [TensorAllocation]
    public var probes: [AllocationProbe]
    /// Stream bytes without the topology unit of the chosen allocation.
    public var bytes: Int
    /// Uniform encodes that measured the rate table, and their mean time.
    public var tableEncodes: Int
    public var meanEncodeSeconds: Double
    /// Mean time of one evaluation (encode, decode, inference on the validation data).
    public var meanEvaluationSeconds: Double
    public var fisherSeconds: Double
    public var seconds: Double
    /// Whether the chosen stream uses dependent quantization; when the search chose it, the
    /// other mode's best stream bytes (its probes are in `probes`, phases prefixed "other DQ").
    public var dependentQuantization: Bool? = nil
    public var otherModeBytes: Int? = nil

    public var evaluations: Int { probes.count }
    /// Search time over (one uniform encode + one evaluation) per evaluated configuration.
    public var costRatio: Double {
        let unit = (meanEncodeSeconds + meanEvaluationSeconds) * Double(max(evaluations, 1))
        return unit > 0 ? seconds / unit : 0
    }
}
