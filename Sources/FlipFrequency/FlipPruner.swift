import Foundation
import ONNXIO
import Runtime
import Train

/// Flip-frequency pruning of binary networks (patent US 12,387,101): the library behind
/// `nncodec prune --method flip-frequency`.
///
/// Each round re-runs the pruning interval (`intervalEpochs` of training from the current
/// weights, latent weights clipped to [−1, 1]) counting every latent weight's sign flips;
/// per binary layer, p_l = the share of weights that flipped at least `flipThreshold` times,
/// and round(p_l × channels) output channels go, the most-flipping first (`FlipCounter`);
/// the smaller network is rebuilt (`ChannelShrink`) and retrained for `retrainEpochs`.
/// Rounds repeat while validation top-1 stays within `deltaAcc` of the start's; a round that
/// falls below is rejected and the previous network is the result. Every decision is made on
/// the validation samples; only afterwards, with `finalEpochs` > 0, the result is retrained
/// once more on training and validation samples together (no selection: the last epoch).
public enum FlipPruner {
    public static func prune(_ model: Model, train: Dataset, validation: Dataset, options: FlipPruneOptions,
                             progress: ((FlipEvent) -> Void)? = nil) throws -> (Model, FlipPruneResult) {
        try options.validate()
        guard train.labels != nil, validation.labels != nil, train.count > 0, validation.count > 0 else {
            throw FlipError(.invalidData, "data", "flip-frequency pruning trains: it needs labelled training and validation samples")
        }
        var layers = try BinaryLayer.find(in: model)
        guard !layers.isEmpty else {
            throw FlipError(.notBinary, "model", "no Conv, Gemm or MatMul computes with Sign(initializer); flip-frequency pruning needs a binary network with latent weights")
        }
        var result = FlipPruneResult(layers: layers.map(\.name), options: options, trainSamples: train.count, validationSamples: validation.count)
        let clock = ContinuousClock()
        result.originalTop1 = try top1(model, validation, options)
        // Round 0, the reference: the unpruned network through the same interval and
        // retraining as every round, on the same training part (a pretrained model may have
        // seen the validation samples; its own top-1 on them is not what retraining can keep).
        let t0 = clock.now
        var current = try retrain(try interval(model, layers, train, options, round: 0, progress: progress).0, train, validation, options,
                                  epochs: options.retrainEpochs, round: 0, phase: "retrain", progress: progress)
        let start = try top1(current, validation, options)
        result.rounds.append(FlipRound(round: 0, channels: layers.map(\.channels), shares: layers.map { _ in 0 }, removed: layers.map { _ in 0 },
                                       binaryOps: layers.reduce(0) { $0 + $1.binaryOps }, validationTop1: start, accepted: true,
                                       seconds: (clock.now - t0).seconds))
        progress?(.round(result.rounds[0]))
        if options.maxRounds == 0 { result.stopped = "max rounds (0): round 0 only" }
        for round in stride(from: 1, through: options.maxRounds, by: 1) {
            let t0 = clock.now
            // The pruning interval, re-run with a flip counter.
            let (trained, counter) = try interval(current, layers, train, options, round: round, progress: progress)
            var remove: [String: [Int]] = [:]
            for l in layers {
                let s = trained.graph.map { shape($0, l.latent) } ?? []
                remove[l.latent] = counter.channelsToRemove(l.latent, shape: s, axis: l.outputAxis, threshold: options.flipThreshold)
            }
            let shares = layers.map { counter.share($0.latent, threshold: options.flipThreshold) }
            guard remove.values.contains(where: { !$0.isEmpty }) else {
                result.stopped = "no channel to remove: no layer has weights that flipped \(options.flipThreshold) or more times"
                break
            }
            let shrunk = try ChannelShrink.apply(trained, layers: layers, remove: remove)
            let retrained = try retrain(shrunk, train, validation, options, epochs: options.retrainEpochs, round: round, phase: "retrain", progress: progress)
            let newLayers = try BinaryLayer.find(in: retrained)
            let acc = try top1(retrained, validation, options)
            let accepted = start - acc <= options.deltaAcc + 1e-12
            let r = FlipRound(round: round, channels: newLayers.map(\.channels), shares: shares, removed: layers.map { remove[$0.latent]?.count ?? 0 },
                              binaryOps: newLayers.reduce(0) { $0 + $1.binaryOps }, validationTop1: acc, accepted: accepted,
                              seconds: (clock.now - t0).seconds)
            result.rounds.append(r)
            progress?(.round(r))
            guard accepted else {
                result.stopped = String(format: "round %d dropped validation top-1 by %.2f points (more than Δacc %.2f)", round, 100 * (start - acc), 100 * options.deltaAcc)
                break
            }
            current = retrained
            layers = newLayers
            if round == options.maxRounds { result.stopped = "max rounds (\(options.maxRounds))" }
        }
        if options.finalEpochs > 0 {
            let t0 = clock.now
            let all = try train.appending(validation)
            current = try retrain(current, all, nil, options, epochs: options.finalEpochs, round: result.rounds.count, phase: "final", progress: progress)
            result.finalRetraining = FinalRetraining(epochs: options.finalEpochs, samples: all.count, seconds: (clock.now - t0).seconds)
        }
        return (current, result)
    }

    static func shape(_ g: Graph, _ name: String) -> [Int] {
        g.initializer(named: name)?.dims.map { Int($0) } ?? []
    }

    static func trainingOptions(_ o: FlipPruneOptions, epochs: Int, seed: UInt64) -> TrainingOptions {
        var t = TrainingOptions()
        t.epochs = epochs; t.batchSize = o.batchSize; t.learningRate = o.learningRate
        t.optimizer = .adam; t.momentum = 0.9; t.seed = seed
        return t
    }

    /// Training from `model` for the interval, every step clipping latent weights and counting flips.
    static func interval(_ model: Model, _ layers: [BinaryLayer], _ train: Dataset, _ o: FlipPruneOptions, round: Int,
                         progress: ((FlipEvent) -> Void)?) throws -> (Model, FlipCounter) {
        let graph = try GradientGraph(model: model)
        let names = layers.map(\.latent)
        let box = FlipCounterBox(FlipCounter(names: names, parameters: graph.parameters))
        var hooks = TrainingHooks()
        hooks.afterUpdate = { _, params in
            clip(&params, names)
            box.value.observe(params)
        }
        let trainer = try Trainer(graph: graph, options: trainingOptions(o, epochs: o.intervalEpochs, seed: o.seed &+ UInt64(2 * round)), hooks: hooks)
        _ = try trainer.fit(train: train, validation: nil) { e in
            if case .epoch(let rec) = e { progress?(.training(round: round, phase: "interval", epoch: rec.epoch, of: o.intervalEpochs, top1: nil)) }
        }
        return (try graph.updatedModel(), box.value)
    }

    /// Retraining after a shrink: a fresh Adam (no state carried over), cosine decay of the
    /// rate to 0 over `epochs`, latent weights clipped. After every epoch the BatchNorm running
    /// statistics are recomputed on `train` (`BatchNormStatistics`); with validation data the
    /// epoch of the best validation top-1 is kept (a binary network's accuracy swings from
    /// epoch to epoch; the loss-best epoch is often not the top-1-best one), without it the last.
    static func retrain(_ model: Model, _ train: Dataset, _ validation: Dataset?, _ o: FlipPruneOptions, epochs: Int,
                        round: Int, phase: String, progress: ((FlipEvent) -> Void)?) throws -> Model {
        let graph = try GradientGraph(model: model)
        let names = try BinaryLayer.find(in: model).map(\.latent)
        var hooks = TrainingHooks()
        hooks.afterUpdate = { _, params in clip(&params, names) }
        // Cosine decay to zero, like the end of the original training, so the retrained network
        // settles instead of ending at the noise level of a constant rate.
        var t = trainingOptions(o, epochs: epochs, seed: o.seed &+ UInt64(2 * round + 1))
        t.schedule = .cosine(floor: 0)
        t.learningRate = o.retrainLearningRate ?? o.learningRate
        let evaluator = try Trainer(graph: graph, options: trainingOptions(o, epochs: 1, seed: o.seed))
        var bestTop1 = -1.0, bestParameters = graph.parameters
        var failure: Error?
        hooks.afterEpoch = { rec in
            do {
                try BatchNormStatistics.recompute(graph, data: train, batchSize: o.batchSize)
                let top1 = try validation.map { try evaluator.evaluate($0).top1 ?? 0 }
                if let top1, top1 > bestTop1 { bestTop1 = top1; bestParameters = graph.parameters }
                if validation == nil { bestParameters = graph.parameters }
                progress?(.training(round: round, phase: phase, epoch: rec.epoch, of: epochs, top1: top1))
                return true
            } catch { failure = error; return false }
        }
        let trainer = try Trainer(graph: graph, options: t, hooks: hooks)
        _ = try trainer.fit(train: train, validation: nil)
        if let failure { throw failure }
        graph.parameters = bestParameters
        return try graph.updatedModel()
    }

    static func clip(_ params: inout [String: NDArray], _ names: [String]) {
        for n in names {
            guard let p = params[n] else { continue }
            params[n] = NDArray(shape: p.shape, floats: p.floats.map { min(max($0, -1), 1) })
        }
    }

    static func top1(_ model: Model, _ data: Dataset, _ o: FlipPruneOptions) throws -> Double {
        let graph = try GradientGraph(model: model)
        let t = try Trainer(graph: graph, options: trainingOptions(o, epochs: 1, seed: o.seed))
        return try t.evaluate(data).top1 ?? 0
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
