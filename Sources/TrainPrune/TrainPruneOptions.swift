/// Settings of a training-time pruning run (defaults: the thesis's LeNet-300 settings where
/// they carry over; λ and TWT per method when nil).
public struct TrainPruneOptions: Sendable {
    public var method: PruneMethod
    public var sensitivity = SensitivityKind.lb
    /// Regularization strength (nil: 1e-4 LOBSTER, 1e-5 SeReNe, 1e-5 L2).
    public var lambda: Double?
    public var learningRate = 0.1
    public var momentum: Float = 0.9
    public var batchSize = 64
    /// Plateau waiting epochs of each learning stage.
    public var pwe = 20
    /// Loss tolerance of each pruning stage (nil: 0.05 LOBSTER and L2, 0.3 SeReNe, 1 local).
    public var twt: Double?
    /// Epochs over all stages.
    public var maxEpochs = 1000
    /// Wall-clock budget in seconds (nil: none). When it is spent the learning stage ends
    /// after the current epoch, one last pruning stage runs and the loop stops.
    public var maxSeconds: Double?
    /// Validation top-1 (fraction) below which SeReNe and L2 stop (nil: start − 0.005).
    /// LOBSTER has an accuracy stop only when this is given; without it LOBSTER loops while
    /// the last stage pruned something, as the issue (and the thesis) define it.
    public var targetTop1: Double?
    /// Size budget: stop after the first pruning stage that passes the accuracy stop and
    /// leaves prunable parameters / non-zero ≥ this ratio; that stage's model is written
    /// (nil: no size stop).
    public var targetRatio: Double?
    /// Structure budget: stop after the first passing stage that leaves every hidden layer
    /// (not the last) at most this share of its neurons live; with `targetRatio` both must hold.
    public var targetNeuronShare: Double?
    /// A pruning stage that ends below the target is undone and the loop goes on
    /// from the last model above it with TWT divided by 4 (back to TWT after a stage that
    /// passes), at most this many times in a row
    /// (0: stop at the first such stage, as the thesis does).
    public var retries = 3
    /// A pruning stage that ends below the target first gets up to this many epochs of
    /// masked training without the penalty (pruned weights stay zero); it is kept as soon as
    /// an epoch brings validation top-1 back to the target, and undone only if none does
    /// (0: undone at once, as before 2026-11-30).
    public var recoverEpochs = 0
    /// serene (lb/ub/exact): the last layer's weights decay too, with S̄ = 1 − 1/C (its LB
    /// sensitivity: the seed of the mean output is 1/C per class), as the authors' code does
    /// (every Linear/Conv is regularized); false: the last layer is not penalized (rounds 1–2).
    public var penalizeLastLayer = true
    /// Bisection stop: ΔT ≤ epsilon × max|w|.
    public var epsilon = 1e-3
    /// Seed of the training order (shuffling; each stage offsets it).
    public var seed: UInt64 = 0
    /// Seed of the validation split of the training data (nil: `seed`), so that runs with
    /// different training orders can validate on the same held-out rows.
    public var splitSeed: UInt64?

    public init(method: PruneMethod) { self.method = method }

    var resolvedLambda: Double { lambda ?? (method == .lobster ? 1e-4 : 1e-5) }
    var resolvedSplitSeed: UInt64 { splitSeed ?? seed }
    /// Whether a stage that ends below the target top-1 is undone (serene and l2 always;
    /// lobster only with an explicit target).
    var hasAccuracyStop: Bool { method != .lobster || targetTop1 != nil }
    var resolvedTWT: Double { twt ?? (method == .serene ? (sensitivity == .local ? 1 : 0.3) : 0.05) }

    public func validate() throws {
        func bad(_ what: String, _ why: String) -> TrainPruneError { TrainPruneError(.invalidOption, what, why) }
        let l = resolvedLambda
        guard l.isFinite, l >= 0, l < 1 else { throw bad("lambda", "must be in [0, 1) (the share of a weight removed per step), got \(l)") }
        guard learningRate.isFinite, learningRate > 0, learningRate <= 10 else { throw bad("learning rate", "must be in (0, 10], got \(learningRate)") }
        let t = resolvedTWT
        guard t.isFinite, t >= 0, t <= 100 else { throw bad("TWT", "must be in [0, 100] (the tolerated relative loss increase), got \(t)") }
        guard pwe >= 1 else { throw bad("PWE", "must be at least 1 epoch, got \(pwe)") }
        guard maxEpochs >= 1 else { throw bad("max epochs", "must be at least 1, got \(maxEpochs)") }
        guard batchSize >= 1 else { throw bad("batch size", "must be at least 1, got \(batchSize)") }
        if let a = targetTop1, !(a >= 0 && a <= 1) { throw bad("target top-1", "must be a fraction in [0, 1], got \(a)") }
        if let r = targetRatio, !(r >= 1 && r.isFinite) { throw bad("target ratio", "must be a compression ratio of at least 1, got \(r)") }
        if let f = targetNeuronShare, !(f > 0 && f <= 1) { throw bad("target neuron share", "must be a fraction in (0, 1], got \(f)") }
        if let m = maxSeconds, !(m > 0) { throw bad("time budget", "must be a positive number of seconds, got \(m)") }
        guard recoverEpochs >= 0 else { throw bad("recover epochs", "must be at least 0, got \(recoverEpochs)") }
        guard retries >= 0 else { throw bad("retries", "must be at least 0, got \(retries)") }
        guard epsilon > 0, epsilon < 0.5 else { throw bad("epsilon", "must be in (0, 0.5), got \(epsilon)") }
    }
}

/// One epoch of a run, as the progress display and the JSON log show it.
public struct PruneEpoch: Codable, Sendable, Equatable {
    public var epoch: Int
    /// Learning stage number (1-based).
    public var stage: Int
    public var trainLoss: Double
    public var validationLoss: Double?
    public var validationTop1: Double?
    /// Share of the prunable parameters that are zero.
    public var sparsity: Double
    /// Neurons with a non-zero parameter, per weighted layer.
    public var neurons: [Int]
    public var seconds: Double
}

/// One pruning stage (the threshold search after a learning stage).
public struct PruneStage: Codable, Sendable, Equatable {
    public var stage: Int
    /// Best validation loss of the learning stage (L̂) and the bound (1 + TWT)·L̂.
    public var bestLoss: Double
    public var bound: Double
    public var threshold: Double
    public var evaluations: Int
    /// Parameters newly zeroed.
    public var pruned: Int
    public var validationLoss: Double
    public var validationTop1: Double?
    public var sparsity: Double
    public var neurons: [Int]
    /// Recovery epochs run after the stage fell below the target (nil: none ran), and the
    /// validation loss and top-1 of the recovered model (nil: the stage was undone).
    public var recoveryEpochs: Int?
    public var recoveredLoss: Double?
    public var recoveredTop1: Double?
}

/// Progress of a run.
public enum PruneEvent: Sendable {
    case batch(epoch: Int, done: Int, total: Int, loss: Double)
    case epoch(PruneEpoch)
    case stage(PruneStage)
}
