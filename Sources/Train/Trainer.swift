import Foundation
import Runtime

/// Mini-batch training of a `GradientGraph`: seeded shuffling, a loss, an optimizer and a
/// schedule, masks that keep pruned weights at zero, hooks, the best-validation checkpoint
/// and a stop on a non-finite loss.
public final class Trainer {
    public let graph: GradientGraph
    public var options: TrainingOptions
    public var hooks: TrainingHooks
    /// Which elements of each tensor may be non-zero (`keepSparsity`, or set by a caller).
    public var masks: [String: [Bool]] = [:]
    /// Parameters of the best validation loss so far (the start, before any epoch).
    public private(set) var best: [String: NDArray]
    var optimizer: Optimizer
    let input: String
    let output: String

    public init(graph: GradientGraph, options: TrainingOptions, hooks: TrainingHooks = TrainingHooks()) throws {
        try options.validate()
        guard graph.inputNames.count == 1, let input = graph.inputNames.first else {
            throw TrainError(.invalidData, "model", "training needs a model with one graph input, this one has \(graph.inputNames.count) (\(graph.inputNames.joined(separator: ", ")))")
        }
        let out = options.output ?? graph.objectiveValues.first ?? ""
        guard graph.objectiveValues.contains(out) else {
            throw TrainError(.unknownValue, "output '\(out)'", "not an objective value of the graph (\(graph.objectiveValues.joined(separator: ", ")))")
        }
        self.graph = graph
        self.options = options
        self.hooks = hooks
        self.input = input
        self.output = out
        best = graph.parameters
        optimizer = Optimizer(kind: options.optimizer, momentum: options.momentum, weightDecay: options.weightDecay)
        if options.keepSparsity {
            for name in graph.trainable {
                guard let p = graph.parameters[name] else { continue }
                let keep = p.f.map { $0 != 0 }
                if keep.contains(false) { masks[name] = keep }
            }
        }
    }

    /// The loss (and correct predictions) of the current parameters on one batch.
    func objective(_ tape: GradientGraph.Tape, _ batch: Dataset, first: Int) throws -> ObjectiveValue {
        let y = tape.values[output]!
        switch options.loss {
        case .crossEntropy:
            guard let l = batch.labels else { throw TrainError(.invalidData, "labels", "cross-entropy needs labels") }
            return try Losses.crossEntropy(logits: y, labels: l[...], firstSample: first)
        case .distillKL(let t):
            guard let te = batch.teacher else { throw TrainError(.invalidData, "teacher", "distillation needs teacher outputs") }
            return try Losses.distillationKL(student: y, teacher: te, temperature: t)
        case .distillMSE:
            guard let te = batch.teacher else { throw TrainError(.invalidData, "teacher", "distillation needs teacher outputs") }
            return try Losses.logitMSE(student: y, teacher: te)
        }
    }

    /// Mean loss and top-1 (with labels) over `data`, inference-mode BatchNorm and Dropout.
    ///
    /// With `stopAbove`, the pass ends as soon as the loss summed so far proves the mean
    /// greater than that bound (every loss here is ≥ 0 per sample, so the sum only grows):
    /// the returned loss is then the partial sum over all of `data`'s count, itself above the
    /// bound, and top-1 is nil. A search that only asks "loss ≤ bound?" gets the same answer
    /// as from the full pass.
    public func evaluate(_ data: Dataset, stopAbove: Double? = nil) throws -> (loss: Double, top1: Double?) {
        var loss = 0.0, correct = 0
        var start = 0
        let n = Double(max(data.count, 1))
        let limit = stopAbove.map { $0 * n * (1 + 1e-9) }
        while start < data.count {
            let idx = Array(start..<min(start + max(options.batchSize, 256), data.count))
            let b = data.rows(idx)
            let tape = try graph.forward(inputs: [input: b.inputs], training: false, record: false)
            let o = try objective(tape, b, first: start)
            loss += o.value * Double(idx.count)
            correct += o.correct ?? 0
            start += idx.count
            if let limit, loss > limit, start < data.count { return (loss / n, nil) }
        }
        return (loss / n, data.labels == nil ? nil : Double(correct) / n)
    }

    /// Trains for `options.epochs` (or until patience runs out) and leaves the best
    /// checkpoint in `graph.parameters` (the last parameters without validation data).
    public func fit(train: Dataset, validation: Dataset?, progress: ((TrainingEvent) -> Void)? = nil) throws -> TrainingReport {
        var report = TrainingReport()
        guard train.count > 0 else { throw TrainError(.invalidData, "data", "no training samples") }
        try checkLabels(train, "labels")
        if let validation { try checkLabels(validation, "validation labels") }
        if let validation {
            let (l, t) = try evaluate(validation)
            report.initialValidationLoss = l; report.initialValidationTop1 = t
            report.bestValidationLoss = l; report.bestValidationTop1 = t
        }
        applyMasks(&graph.parameters)
        best = graph.parameters
        let perEpoch = min((train.count + options.batchSize - 1) / options.batchSize, options.maxBatchesPerEpoch ?? .max)
        let total = perEpoch * options.epochs
        var step = 0, sinceBest = 0, samples = 0
        let clock = ContinuousClock(), t0 = clock.now
        epochs: for epoch in 1...options.epochs {
            let e0 = clock.now
            let order = Dataset.permutation(train.count, seed: options.seed &+ UInt64(epoch) &* 0x2545_F491_4F6C_DD1D)
            var sum = 0.0, seen = 0
            var lr = options.learningRate
            for b in 0..<perEpoch {
                let idx = Array(order[(b * options.batchSize)..<min((b + 1) * options.batchSize, train.count)])
                lr = options.schedule.rate(base: options.learningRate, epoch: epoch - 1, step: step, totalSteps: total)
                let loss = try trainStep(train.rows(idx), info: StepInfo(epoch: epoch, step: step, loss: 0, learningRate: lr))
                guard loss.isFinite else {
                    report.stopped = "non-finite loss at epoch \(epoch) batch \(b + 1)"
                    break epochs
                }
                sum += loss * Double(idx.count); seen += idx.count; step += 1
                progress?(.batch(epoch: epoch, done: b + 1, total: perEpoch, loss: sum / Double(seen)))
            }
            samples += seen
            var rec = EpochRecord(epoch: epoch, trainLoss: sum / Double(max(seen, 1)), learningRate: lr, seconds: 0, improved: false)
            if let validation {
                let (l, t) = try evaluate(validation)
                rec.validationLoss = l; rec.validationTop1 = t
                if l.isFinite && l < (report.bestValidationLoss ?? .infinity) {
                    rec.improved = true
                    best = graph.parameters
                    report.bestEpoch = epoch; report.bestValidationLoss = l; report.bestValidationTop1 = t
                    sinceBest = 0
                } else {
                    sinceBest += 1
                }
            } else {
                best = graph.parameters
                report.bestEpoch = epoch
            }
            rec.seconds = (clock.now - e0).seconds
            report.epochs.append(rec)
            progress?(.epoch(rec))
            if let h = hooks.afterEpoch, !h(rec) { report.stopped = "hook"; break }
            if let p = options.patience, sinceBest >= p { report.stopped = "patience"; break }
        }
        report.trainSamplesPerSecond = Double(samples) / max((clock.now - t0).seconds, 1e-9)
        graph.parameters = best
        return report
    }

    /// Forward, loss, backward, hooks, optimizer, masks, BatchNorm statistics; the loss.
    func trainStep(_ batch: Dataset, info: StepInfo) throws -> Double {
        let tape = try graph.forward(inputs: [input: batch.inputs], training: options.batchNormTraining,
                                     seed: options.seed &+ UInt64(info.step), keep: options.keepValues)
        let o = try objective(tape, batch, first: 0)
        guard o.value.isFinite else { return o.value }
        var grads = try graph.backward(tape, seeds: [output: o.gradient])
        var info = info
        info.loss = o.value
        try hooks.afterBackward?(info, tape)
        for (name, m) in masks { grads.updateFloats(name) { zeroMasked(&$0, m) } }
        try hooks.beforeUpdate?(info, graph.parameters, &grads)
        optimizer.step(&graph.parameters, grads: grads.filter { graph.parameters[$0.key] != nil }, lr: Float(info.learningRate))
        applyMasks(&graph.parameters)
        graph.commitState(tape)
        try hooks.afterUpdate?(info, &graph.parameters)
        return o.value
    }

    /// Fails on the first label outside the model's classes (found from one sample's output).
    func checkLabels(_ data: Dataset, _ what: String) throws {
        guard let labels = data.labels, options.loss == .crossEntropy, data.count > 0 else { return }
        let y = try graph.forward(inputs: [input: data.rows([0]).inputs], training: false, record: false).values[output]!
        guard y.rank == 2 else { throw TrainError(.invalidData, output, "cross-entropy needs N×C class scores, the output has shape \(y.shape)") }
        let c = y.shape[1]
        if let i = labels.firstIndex(where: { $0 < 0 || $0 >= c }) {
            throw TrainError(.invalidData, "\(what)[\(i)]", "class \(labels[i]) is outside 0..<\(c), the model's \(c) outputs")
        }
    }

    func applyMasks(_ params: inout [String: NDArray]) {
        for (name, m) in masks { params.updateFloats(name) { zeroMasked(&$0, m) } }
    }
}

private func zeroMasked(_ v: inout [Float], _ keep: [Bool]) {
    for i in 0..<v.count where !keep[i] { v[i] = 0 }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
