import Foundation
import Runtime
import Train

/// The stage loop of `TrainingPruner`.
final class PruneLoop {
    let graph: GradientGraph
    let layers: [PrunableLayer]
    let options: TrainPruneOptions
    let train: Dataset
    let validation: Dataset
    let progress: ((PruneEvent) -> Void)?
    var epochs: [PruneEpoch] = []
    var stages: [PruneStage] = []
    var startTop1: Double?
    var target: Double?
    var seconds = 0.0

    struct Outcome {
        var parameters: [String: NDArray]
        var loss: Double
        var top1: Double?
        var stopped: String
        var failure: String?
    }

    init(graph: GradientGraph, layers: [PrunableLayer], options: TrainPruneOptions, train: Dataset, validation: Dataset,
         progress: ((PruneEvent) -> Void)?) {
        self.graph = graph
        self.layers = layers
        self.options = options
        self.train = train
        self.validation = validation
        self.progress = progress
    }

    var trainingOptions: TrainingOptions {
        var t = TrainingOptions()
        t.learningRate = options.learningRate
        t.momentum = options.momentum
        t.batchSize = options.batchSize
        t.patience = options.pwe
        t.seed = options.seed
        if options.method == .serene && options.sensitivity == .local { t.keepValues = layers.filter { !$0.isLast }.map(\.layer.output) }
        return t
    }

    /// Masks of the prunable parameters: false where a parameter is zero.
    func masks(_ params: [String: NDArray]) -> [String: [Bool]] {
        var m: [String: [Bool]] = [:]
        for l in layers { for n in l.parameterNames { m[n] = params[n]!.floats.map { $0 != 0 } } }
        return m
    }

    func run() throws -> Outcome {
        let clock = ContinuousClock(), t0 = clock.now
        defer { seconds = (clock.now - t0).seconds }
        let sensitivity = NeuronSensitivity(graph: graph, layers: layers, output: graph.objectiveValues[0], kind: options.sensitivity)
        let reg = Regularizer(method: options.method, layers: layers, lambda: options.resolvedLambda, sensitivity: sensitivity, penalizeLast: options.penalizeLastLayer)
        var base = TrainingOptions()
        base.batchSize = options.batchSize
        let evaluator = try Trainer(graph: graph, options: base)
        let start = try evaluator.evaluate(validation)
        startTop1 = start.top1
        target = options.hasAccuracyStop ? options.targetTop1 ?? start.top1.map { $0 - 0.005 } : nil
        var kept = Outcome(parameters: graph.parameters, loss: start.loss, top1: start.top1, stopped: "max epochs")
        let names = layers.flatMap(\.parameterNames)
        let dead = DeadNeurons(layers, graph: graph.model.graph!)
        var twt = options.resolvedTWT, failures = 0
        let deadline = options.maxSeconds.map { t0 + .milliseconds(Int64($0 * 1000)) }
        var outOfTime: Bool { deadline.map { clock.now >= $0 } ?? false }
        while epochs.count < options.maxEpochs {
            var topt = trainingOptions
            topt.epochs = options.maxEpochs - epochs.count
            topt.seed = options.seed &+ UInt64(stages.count) &* 7919
            var hooks = reg.hooks
            var last = graph.parameters
            hooks.afterEpoch = { [graph] _ in last = graph.parameters; return !outOfTime }
            let trainer = try Trainer(graph: graph, options: topt, hooks: hooks)
            trainer.masks = masks(graph.parameters)
            let stage = stages.count + 1
            let report = try trainer.fit(train: train, validation: validation) { [self] event in
                switch event {
                case let .batch(e, d, t, l): progress?(.batch(epoch: epochs.count + e, done: d, total: t, loss: l))
                case let .epoch(r): record(r, stage: stage)
                }
            }
            if report.stopped.hasPrefix("non-finite") {
                kept.failure = report.stopped
                return kept
            }
            // The regularized network of the stage's last epoch goes on (the best-loss
            // checkpoint is the unregularized start when validation data was seen in
            // training); L̂ is its validation loss.
            graph.parameters = last
            let (s, count) = try pruneStage(stage, twt: twt, evaluator: evaluator, dead: dead, names: names)
            var passed: (loss: Double, top1: Double?)? = (s.validationLoss, s.validationTop1)
            if let target, let t1 = s.validationTop1, t1 < target {
                passed = try recover(stage, target: target) { outOfTime }
            }
            guard let passed else {
                let t1 = s.validationTop1 ?? 0, target = target ?? 0
                graph.parameters = kept.parameters
                failures += 1
                if failures > options.retries {
                    kept.stopped = String(format: "validation top-1 %.2f%% below the target %.2f%%", 100 * t1, 100 * target)
                    return kept
                }
                if outOfTime { break }
                twt /= 4
                continue
            }
            failures = 0
            twt = options.resolvedTWT
            kept = Outcome(parameters: graph.parameters, loss: passed.loss, top1: passed.top1, stopped: "max epochs")
            if let why = options.budgetReached(count, layers: layers) {
                kept.stopped = why
                return kept
            }
            if options.method == .lobster && s.pruned == 0 {
                kept.stopped = "the last pruning stage removed nothing"
                return kept
            }
            if outOfTime { break }
        }
        if outOfTime { kept.stopped = String(format: "time budget of %.0f s spent", options.maxSeconds ?? 0) }
        return kept
    }

    /// The pruning stage after a learning stage: the largest threshold whose validation loss
    /// stays within (1 + TWT)·L̂ (L̂: the current network's loss), then the dead-neuron cleanup;
    /// recorded and reported.
    func pruneStage(_ stage: Int, twt: Double, evaluator: Trainer, dead: DeadNeurons, names: [String]) throws -> (PruneStage, SparsityCount) {
        let lHat = try evaluator.evaluate(validation).loss
        let search = ThresholdSearch(names: names, bound: (1 + twt) * lHat, epsilon: options.epsilon)
        let before = SparsityCount(layers, graph.parameters).nonzero
        let found = try search.run(graph.parameters) { [graph, validation] p in
            graph.parameters = p
            return try evaluator.evaluate(validation, stopAbove: search.bound).loss
        }
        graph.parameters = found.parameters
        _ = dead.apply(&graph.parameters)
        let after = try evaluator.evaluate(validation)
        let count = SparsityCount(layers, graph.parameters)
        let s = PruneStage(stage: stage, bestLoss: lHat, bound: search.bound, threshold: found.threshold, evaluations: found.evaluations,
                           pruned: before - count.nonzero, validationLoss: after.loss, validationTop1: after.top1,
                           sparsity: count.sparsity, neurons: count.neurons)
        stages.append(s)
        progress?(.stage(s))
        return (s, count)
    }

    /// After a stage below the target: up to `recoverEpochs` epochs of masked training
    /// without the penalty; the first epoch back at the target is kept (its parameters in
    /// the graph, its loss and top-1 returned and recorded on the stage); nil when none is.
    func recover(_ stage: Int, target: Double, stop: @escaping () -> Bool) throws -> (loss: Double, top1: Double?)? {
        let n = min(options.recoverEpochs, options.maxEpochs - epochs.count)
        guard n > 0, !stop() else { return nil }
        var t = trainingOptions
        t.epochs = n
        t.patience = nil
        t.keepValues = []
        t.seed = options.seed &+ UInt64(stages.count) &* 7919 &+ 1
        var found: (parameters: [String: NDArray], loss: Double, top1: Double)?
        var hooks = TrainingHooks()
        hooks.afterEpoch = { [graph] r in
            if let t1 = r.validationTop1, t1 >= target, let l = r.validationLoss, l.isFinite {
                found = (graph.parameters, l, t1)
                return false
            }
            return !stop()
        }
        let trainer = try Trainer(graph: graph, options: t, hooks: hooks)
        trainer.masks = masks(graph.parameters)
        let report = try trainer.fit(train: train, validation: validation) { [self] event in
            switch event {
            case let .batch(e, d, t, l): progress?(.batch(epoch: epochs.count + e, done: d, total: t, loss: l))
            case let .epoch(r): record(r, stage: stage)
            }
        }
        stages[stages.count - 1].recoveryEpochs = report.epochs.count
        guard let found else { return nil }
        graph.parameters = found.parameters
        stages[stages.count - 1].recoveredLoss = found.loss
        stages[stages.count - 1].recoveredTop1 = found.top1
        return (found.loss, found.top1)
    }

    func record(_ r: EpochRecord, stage: Int) {
        let c = SparsityCount(layers, graph.parameters)
        let e = PruneEpoch(epoch: epochs.count + 1, stage: stage, trainLoss: r.trainLoss, validationLoss: r.validationLoss,
                           validationTop1: r.validationTop1, sparsity: c.sparsity, neurons: c.neurons, seconds: r.seconds)
        epochs.append(e)
        progress?(.epoch(e))
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
