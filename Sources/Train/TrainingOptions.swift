import Runtime

/// What a training run optimises and how.
public struct TrainingOptions: Sendable {
    public enum LossKind: Sendable, Equatable {
        /// Cross-entropy against integer labels.
        case crossEntropy
        /// T²-scaled KL divergence to the teacher's softened outputs.
        case distillKL(temperature: Double)
        /// Mean squared error to the teacher's logits.
        case distillMSE
    }

    public var epochs = 10
    public var batchSize = 64
    public var learningRate = 0.01
    public var optimizer = Optimizer.Kind.sgd
    public var momentum: Float = 0.9
    public var weightDecay: Float = 0
    public var schedule = Schedule.constant
    public var loss = LossKind.crossEntropy
    /// Seeds shuffling and Dropout.
    public var seed: UInt64 = 0
    /// Stop after this many epochs without a better validation loss.
    public var patience: Int?
    /// Keep every trainable element that starts at zero exactly zero — weights and biases, so
    /// a pruned weight stays pruned and a removed neuron (weights and bias zero) stays removed.
    public var keepSparsity = false
    /// BatchNormalization uses batch statistics and updates its running statistics.
    public var batchNormTraining = true
    /// The output holding the class scores (default: the first graph output).
    public var output: String?
    /// Stop each epoch after this many batches (quick trials).
    public var maxBatchesPerEpoch: Int?
    /// Intermediate values each training step's tape keeps (`Tape.values`, for hooks).
    public var keepValues: [String] = []

    public init() {}

    func validate() throws {
        guard epochs >= 1 else { throw TrainError(.invalidOption, "epochs", "must be at least 1, got \(epochs)") }
        guard batchSize >= 1 else { throw TrainError(.invalidOption, "batch size", "must be at least 1, got \(batchSize)") }
        guard learningRate > 0, learningRate.isFinite else { throw TrainError(.invalidOption, "learning rate", "must be positive, got \(learningRate)") }
        guard weightDecay >= 0 else { throw TrainError(.invalidOption, "weight decay", "must not be negative, got \(weightDecay)") }
        if let p = patience, p < 1 { throw TrainError(.invalidOption, "patience", "must be at least 1 epoch, got \(p)") }
    }
}

/// One optimisation step, as the hooks see it.
public struct StepInfo: Sendable {
    public var epoch: Int
    /// Steps taken before this one, over the whole run.
    public var step: Int
    public var loss: Double
    public var learningRate: Double
}

/// Per-step and per-epoch extension points: the pruning methods plug their update rules,
/// sensitivity measurements and counters in here.
public struct TrainingHooks {
    /// Sees the parameters and the gradients (initializers, and intermediates the graph was
    /// built for) before the optimizer step; may change the gradients (LOBSTER's and SeReNe's
    /// penalty terms).
    public var beforeUpdate: ((StepInfo, [String: NDArray], inout [String: NDArray]) throws -> Void)?
    /// Sees each training step's tape after the loss gradient: further backward passes from
    /// other objectives (SeReNe's neuron sensitivities) start here.
    public var afterBackward: ((StepInfo, GradientGraph.Tape) throws -> Void)?
    /// Sees the updated parameters; may change them (thresholds, flip counters).
    public var afterUpdate: ((StepInfo, inout [String: NDArray]) throws -> Void)?
    /// After each epoch; return false to stop training.
    public var afterEpoch: ((EpochRecord) -> Bool)?
    public init() {}
}

/// The record of one epoch.
public struct EpochRecord: Codable, Sendable, Equatable {
    public var epoch: Int
    public var trainLoss: Double
    public var validationLoss: Double?
    public var validationTop1: Double?
    public var learningRate: Double
    public var seconds: Double
    /// The validation loss improved on the best so far (the checkpoint was kept).
    public var improved: Bool
}

/// Progress of a run, for displays.
public enum TrainingEvent: Sendable {
    case batch(epoch: Int, done: Int, total: Int, loss: Double)
    case epoch(EpochRecord)
}

/// What a training run did.
public struct TrainingReport: Codable, Sendable, Equatable {
    public var epochs: [EpochRecord] = []
    public var initialValidationLoss: Double?
    public var initialValidationTop1: Double?
    /// 0 when no epoch beat the starting point.
    public var bestEpoch = 0
    public var bestValidationLoss: Double?
    public var bestValidationTop1: Double?
    /// "completed", "patience", "hook" or "non-finite loss at epoch E batch B".
    public var stopped = "completed"
    public var trainSamplesPerSecond = 0.0
}
