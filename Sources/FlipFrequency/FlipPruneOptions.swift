/// Settings of flip-frequency pruning (patent US 12,387,101).
public struct FlipPruneOptions: Sendable, Codable, Equatable {
    /// Stop when validation top-1 falls more than this (fraction) below the start's.
    public var deltaAcc = 0.01
    /// Epochs of the re-run pruning interval in which sign flips are counted.
    public var intervalEpochs = 2
    /// Epochs of retraining after each shrink.
    public var retrainEpochs = 6
    /// A weight counts as unstable when it flipped at least this often in the interval.
    public var flipThreshold = 2
    /// At most this many pruning rounds; 0 runs round 0 alone (what retraining does without a shrink).
    public var maxRounds = 5
    /// Epochs of a last retraining of the result on training and validation samples together,
    /// after every decision is made (0: none).
    public var finalEpochs = 0
    /// Adam's learning rate for the interval (constant) and, without `retrainLearningRate`,
    /// the retraining's start (cosine to 0).
    public var learningRate = 1e-3
    /// The retraining's (and the final retraining's) starting rate, when it differs from
    /// the interval's (e.g. the original training's peak rate).
    public var retrainLearningRate: Double?
    public var batchSize = 64
    /// Seeds shuffling.
    public var seed: UInt64 = 0

    public init() {}

    public func validate() throws {
        func bad(_ what: String, _ why: String) -> FlipError { FlipError(.invalidOption, what, why) }
        guard deltaAcc >= 0 && deltaAcc < 1 else { throw bad("Δacc", "must be in [0, 1), got \(deltaAcc)") }
        guard intervalEpochs >= 1 else { throw bad("interval epochs", "must be at least 1, got \(intervalEpochs)") }
        guard retrainEpochs >= 1 else { throw bad("retrain epochs", "must be at least 1, got \(retrainEpochs)") }
        guard flipThreshold >= 1 else { throw bad("flip threshold", "must be at least 1, got \(flipThreshold)") }
        guard maxRounds >= 0 else { throw bad("max rounds", "must not be negative, got \(maxRounds)") }
        guard finalEpochs >= 0 else { throw bad("final epochs", "must not be negative, got \(finalEpochs)") }
        guard learningRate > 0 && learningRate.isFinite else { throw bad("learning rate", "must be positive, got \(learningRate)") }
        if let r = retrainLearningRate, !(r > 0 && r.isFinite) { throw bad("retrain learning rate", "must be positive, got \(r)") }
        guard batchSize >= 1 else { throw bad("batch size", "must be at least 1, got \(batchSize)") }
    }
}

/// One round: the network after it and whether it was kept.
public struct FlipRound: Sendable, Codable, Equatable {
    /// 0: the unpruned network, retrained like every round (the reference for Δacc).
    public var round: Int
    /// Output channels per binary layer (the layers' order of `FlipPruneResult.layers`).
    public var channels: [Int]
    /// p_l per binary layer: the share of its weights that flipped at least `flipThreshold` times.
    public var shares: [Double]
    /// Channels removed per binary layer in this round.
    public var removed: [Int]
    /// Binary multiply-accumulates per sample.
    public var binaryOps: Int
    public var validationTop1: Double
    /// Kept (within Δacc of the start) or rejected (the previous round's network is the result).
    public var accepted: Bool
    public var seconds: Double

    public var gops: Double { Double(binaryOps) / 1e9 }
}

/// What flip-frequency pruning did.
public struct FlipPruneResult: Sendable, Codable, Equatable {
    public var layers: [String]
    public var options: FlipPruneOptions
    public var trainSamples: Int
    public var validationSamples: Int
    /// Validation top-1 of the network as given (before round 0's retraining).
    public var originalTop1 = 0.0
    /// Round 0 is the unpruned network after one interval and one retraining: Δacc is measured from it.
    public var rounds: [FlipRound] = []
    /// Why the rounds ended.
    public var stopped = ""
    /// The last retraining on training and validation samples (`finalEpochs` > 0).
    public var finalRetraining: FinalRetraining?

    /// The last accepted round (the written network).
    public var final: FlipRound? { rounds.last { $0.accepted } }
    /// Share of the start's binary operations removed.
    public var opsReduction: Double {
        guard let s = rounds.first, let f = final, s.binaryOps > 0 else { return 0 }
        return 1 - Double(f.binaryOps) / Double(s.binaryOps)
    }
}

/// The retraining of the result on every sample after the last round.
public struct FinalRetraining: Sendable, Codable, Equatable {
    public var epochs: Int
    /// Training and validation samples together.
    public var samples: Int
    public var seconds: Double
}

/// Progress of a run.
public enum FlipEvent: Sendable {
    /// Training inside round `round`: `phase` is "interval", "retrain" or "final" (the last
    /// retraining on every sample; `round` is then one past the last round).
    case training(round: Int, phase: String, epoch: Int, of: Int, top1: Double?)
    case round(FlipRound)
}
