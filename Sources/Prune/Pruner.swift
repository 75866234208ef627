import Foundation
import ONNXIO
import Runtime

/// What gets zeroed: single weights by magnitude, or whole neurons by the norm of their
/// parameters.
public enum Criterion: String, Sendable, Codable, CaseIterable {
    case unstructured, structured
}

/// The data-free neuron score.
public enum NeuronNorm: String, Sendable, Codable, CaseIterable {
    case l1, l2
}

/// What ranks neurons for structured pruning.
///
/// `norm`: the data-free norm of the neuron's own parameters (`NeuronNorm`). `activation`:
/// data-driven, a first-order estimate of what removing the neuron changes downstream:
/// Σ over the layers reading its channel of mean|input channel| × ‖the weights reading it‖₂,
/// measured on the validation data (channels joined by residual Adds share one score).
public enum NeuronScore: String, Sendable, Codable, CaseIterable {
    case norm, activation
}

/// How much to prune.
///
/// Thresholds are absolute magnitudes (unstructured) or scores (structured) when global;
/// with `perLayer` they are fractions of each layer's largest magnitude or score.
/// A neuron's score is the size-normalized norm of its weights and bias, ‖p‖₁/n or
/// ‖p‖₂/√n, so that neurons of layers with different fan-in compare globally.
public struct PruneOptions: Sendable, Equatable {
    public enum Target: Sendable, Equatable {
        /// Zero this fraction (in [0, 1)) of the weights or neurons.
        case sparsity(Double)
        /// Zero every weight with |w| ≤ T or every neuron with score ≤ T.
        case threshold(Double)
        /// LOBSTER's bisection: the largest threshold whose validation loss is at most
        /// (1 + twt) × the unpruned loss.
        case twt(Double)
    }

    public var criterion: Criterion
    public var target: Target
    public var perLayer = false
    public var norm: NeuronNorm = .l2
    public var score: NeuronScore = .norm
    /// Unstructured only: threshold biases too.
    public var includeBiases = false
    /// The bisection stops when its step falls below `epsilon` × the largest magnitude or score.
    public var epsilon = 1e-3
    /// Structured only: least-squares compensation (see `Compensation`): the layer reading
    /// removed neurons is re-fitted on calibration data, neurons go in elimination order, and
    /// `.twt` searches layer by layer. Needs calibration inputs.
    public var compensate = false

    public init(criterion: Criterion, target: Target, perLayer: Bool = false, norm: NeuronNorm = .l2,
                score: NeuronScore = .norm, includeBiases: Bool = false, epsilon: Double = 1e-3,
                compensate: Bool = false) {
        self.score = score
        self.compensate = compensate
        self.criterion = criterion
        self.target = target
        self.perLayer = perLayer
        self.norm = norm
        self.includeBiases = includeBiases
        self.epsilon = epsilon
    }

    public func validate() throws {
        switch target {
        case .sparsity(let s):
            guard s >= 0 && s < 1 else { throw PruneError(.setting([.sparsity]), "sparsity must be in [0, 1), got \(s)") }
        case .threshold(let t):
            guard t >= 0, t.isFinite else { throw PruneError(.setting([.threshold]), "threshold must be a finite number ≥ 0, got \(t)") }
            if perLayer && t > 1 { throw PruneError(.setting([.perLayer, .threshold]), "per layer, the threshold is a fraction of each layer's largest value, in [0, 1]; got \(t)") }
        case .twt(let x):
            guard x >= 0, x.isFinite else { throw PruneError(.setting([.twt]), "twt must be a finite number ≥ 0, got \(x)") }
        }
        guard epsilon > 0 && epsilon < 0.5 else { throw PruneError(.setting([.epsilon]), "epsilon must be in (0, 0.5), got \(epsilon)") }
        if compensate {
            guard criterion == .structured else { throw PruneError(.setting([.compensate, .criterion]), "compensation re-fits the layers reading removed neurons: it needs the structured criterion") }
            if case .threshold = target { throw PruneError(.setting([.compensate, .threshold]), "compensation takes a twt or sparsity target, not a threshold") }
            guard !perLayer else { throw PruneError(.setting([.compensate, .perLayer]), "compensation already searches layer by layer; per-layer targets do not apply") }
        }
    }
}

/// Labelled inputs for the loss-bounded search and accuracy reports.
public struct LabelledData: Sendable {
    public var inputs: NDArray
    public var labels: [Int]

    public init(inputs: NDArray, labels: [Int]) throws {
        guard inputs.rank >= 1, inputs.shape[0] == labels.count else {
            throw PruneError(.data, "\(labels.count) labels for \(inputs.rank >= 1 ? inputs.shape[0] : 0) samples")
        }
        self.inputs = inputs
        self.labels = labels
    }

    /// Reads an .npy of inputs and an .npy of labels (the rule of `Labels`: integers, one
    /// class index per sample).
    public static func load(data: String, labels: String) throws -> LabelledData {
        let x = try NPY.read(path: data)
        return try LabelledData(inputs: x, labels: try Labels.read(path: labels, samples: x.rank >= 1 ? x.shape[0] : 0))
    }

    public var count: Int { labels.count }

    /// The first half (validation, used by the search) and the second (held out).
    public func halves() -> (validation: LabelledData, test: LabelledData) {
        let h = count / 2
        return ((try? LabelledData(inputs: inputs.slice(rows: 0..<h), labels: Array(labels[0..<h])))!,
                (try? LabelledData(inputs: inputs.slice(rows: h..<count), labels: Array(labels[h...])))!)
    }

    /// A seeded validation split (`SeededSplit`, the same rows as the training jobs' split).
    public func split(validationFraction: Double, seed: UInt64) -> (train: LabelledData, validation: LabelledData) {
        let r = SeededSplit.rows(count: count, validationFraction: validationFraction, seed: seed)
        let inner = inputs.shape.dropFirst().reduce(1, *), shape = Array(inputs.shape.dropFirst())
        func pick(_ rows: [Int]) -> LabelledData {
            let x: NDArray
            switch inputs.storage {
            case .float(let v): x = NDArray(shape: [rows.count] + shape, floats: rows.flatMap { v[($0 * inner)..<(($0 + 1) * inner)] })
            case .int64(let v): x = NDArray(shape: [rows.count] + shape, int64s: rows.flatMap { v[($0 * inner)..<(($0 + 1) * inner)] })
            case .bool(let v): x = NDArray(shape: [rows.count] + shape, bools: rows.flatMap { v[($0 * inner)..<(($0 + 1) * inner)] })
            }
            return (try? LabelledData(inputs: x, labels: rows.map { labels[$0] }))!
        }
        return (pick(r.train), pick(r.validation))
    }

    /// Top-1 and mean cross-entropy of `model` on this data.
    public func evaluate(_ model: Model) throws -> AccuracyReport {
        let s = try Session(model: model)
        return try s.evaluate(data: inputs, labels: labels)
    }
}

/// One evaluation of the bisection.
public struct SearchStep: Sendable, Codable, Equatable {
    public var threshold: Double
    public var loss: Double
    public var accepted: Bool
}

/// What `Pruner.prune` did.
public struct PruneReport: Sendable, Codable, Equatable {
    public var criterion: Criterion
    public var perLayer: Bool
    /// The threshold applied (absolute, or a fraction of each layer's maximum with perLayer).
    public var threshold: Double?
    /// Per layer: the absolute threshold used.
    public var layerThresholds: [String: Double] = [:]
    /// Search only: the unpruned validation loss, the bound and the final loss.
    public var baselineLoss: Double?
    public var lossBound: Double?
    public var finalLoss: Double?
    public var search: [SearchStep] = []
    /// Weights (unstructured) or neurons (structured) newly zeroed.
    public var prunedUnits = 0
    /// Weights or neurons eligible for pruning.
    public var candidateUnits = 0
    /// With compensation: per compensated layer, front to back.
    public var compensation: [CompensationLayerReport] = []
}

/// Magnitude and neuron-norm pruning of Conv/Gemm/MatMul weights.
///
/// Pruning only zeroes parameters; the topology is unchanged (see `Simplifier`). Structured
/// pruning zeroes a neuron's weights, its bias, and the scale and shift of a BatchNorm that
/// alone reads it, so the neuron outputs 0. Neurons that simplification could never remove
/// (those reaching a graph output, or crossing a barrier) are not candidates; in particular
/// the last layer's outputs are never pruned.
public enum Pruner {
    /// `calibration`: inputs the least-squares compensation fits on (default: the validation inputs).
    public static func prune(_ model: Model, options: PruneOptions, validation: LabelledData? = nil,
                             calibration: NDArray? = nil,
                             progress: ((_ round: Int, _ rounds: Int, _ threshold: Double, _ loss: Double) -> Void)? = nil)
        throws -> (Model, PruneReport) {
        try options.validate()
        var model = model
        model.graph = model.graph.map(Simplifier.initializerAliasesResolved)
        if options.criterion == .structured && options.score == .activation && validation == nil {
            throw PruneError(.missingData(.labelled), "the activation score measures activations: it needs labelled data")
        }
        if options.compensate {
            guard let cal = calibration ?? validation?.inputs else {
                throw PruneError(.missingData(.calibration), "compensation fits on calibration inputs: it needs calibration or labelled data")
            }
            var o = options
            o.score = .norm
            let plan = try PrunePlan(model, o)
            var report = PruneReport(criterion: options.criterion, perLayer: false)
            let m = try Compensation.prune(plan, target: options.target, validation: validation, calibration: cal,
                                           report: &report, progress: progress)
            return (m, report)
        }
        let plan = try PrunePlan(model, options, data: validation)
        var report = PruneReport(criterion: options.criterion, perLayer: options.perLayer)
        report.candidateUnits = plan.candidateCount
        let t: Double
        switch options.target {
        case .threshold(let x):
            t = x
        case .sparsity(let s):
            let a = plan.apply(sparsity: s)
            report.prunedUnits = a.pruned
            report.layerThresholds = a.thresholds
            return (a.model, report)
        case .twt(let x):
            guard let validation else { throw PruneError(.missingData(.labelled), "the twt search needs labelled data") }
            let base = try validation.evaluate(model).meanCrossEntropy
            let bound = (1 + x) * base
            report.baselineLoss = base
            report.lossBound = bound
            let top = options.perLayer ? 1.0 : plan.maxValue
            var cur = top / 2, step = cur / 2
            var best = 0.0, bestLoss = base
            let rounds = max(1, Int(log2(0.25 / options.epsilon).rounded(.down)) + 1) + 1
            var round = 0
            func loss(_ t: Double) throws -> Double {
                try validation.evaluate(plan.apply(threshold: t).model).meanCrossEntropy
            }
            while step >= options.epsilon * top {
                let l = try loss(cur)
                let ok = l <= bound
                report.search.append(SearchStep(threshold: cur, loss: l, accepted: ok))
                round += 1
                progress?(round, rounds, cur, l)
                if ok && cur > best { best = cur; bestLoss = l }
                cur += ok ? step : -step
                step /= 2
            }
            // The last move was not evaluated: check it, then re-validate the choice.
            let l = try loss(cur)
            report.search.append(SearchStep(threshold: cur, loss: l, accepted: l <= bound))
            if l <= bound && cur > best { best = cur; bestLoss = l }
            round += 1
            progress?(round, rounds, cur, l)
            let final = try loss(best)
            guard final <= bound || best == 0 else {
                throw PruneError("re-validation of threshold \(best) gave loss \(final) above the bound \(bound) (was \(bestLoss))")
            }
            report.finalLoss = final
            t = best
        }
        let a = plan.apply(threshold: t)
        report.threshold = t
        report.prunedUnits = a.pruned
        report.layerThresholds = a.thresholds
        return (a.model, report)
    }
}
