import ArgumentParser
import Prune
import Foundation
import TrainPrune

/// The options of `nncodec prune --method` (training-time pruning); --data, --labels and
/// --twt come from `PruneArguments`.
struct TrainPruneArguments: ParsableArguments {
    @Option(help: "Prune while training: lobster (parameter sensitivity), serene (neuron sensitivity), l2 (weight decay) or flip-frequency (channels of binary networks by weight sign flips); needs --data and --labels.")
    var method: PruneMethodArgument?
    @Option(help: "SeReNe's neuron sensitivity: lb (one backward pass), ub (absolute Jacobians), exact (one pass per class) or local.")
    var sensitivity: SensitivityKind = .lb
    @Option(help: "Validation inputs (.npy); default: a seeded --val-split of --data.") var valData: String?
    @Option(help: "Validation labels (.npy).") var valLabels: String?
    @Option(help: "Share of --data held out for validation without --val-data.") var valSplit = 0.1
    @Option(help: "Regularization strength λ (default 1e-4 lobster, 1e-5 serene and l2).") var lambda: Double?
    @Option(help: "Learning rate (default 0.1, SGD with momentum 0.9; flip-frequency: 0.001, Adam).") var lr: Double?
    @Option(help: "Samples per batch.") var batch = 64
    @Option(help: "Plateau waiting epochs of each learning stage.") var pwe = 20
    @Option(help: "Epochs over all stages.") var maxEpochs = 1000
    @Option(help: "Wall-clock budget in seconds: the stage in progress ends, one last pruning stage runs, the run stops.") var maxSeconds: Double?
    @Option(help: "Stop below this validation top-1 (fraction; serene/l2 default: the start minus 0.005; lobster: no accuracy stop unless given).") var targetTop1: Double?
    @Option(help: "Size budget: stop after the first pruning stage that keeps the accuracy and reaches this compression ratio (prunable parameters / non-zero); that stage's model is written.") var targetRatio: Double?
    @Option(help: "Structure budget: stop after the first such stage that leaves every hidden layer at most this share of its neurons (with --target-ratio: both).") var targetNeurons: Double?
    @Option(help: "Undo a stage that ends below the target and go on with TWT/4, at most N times in a row (0: stop there).") var retries = 3
    @Option(help: "Before undoing a stage below the target, train up to N epochs without the penalty (pruned weights stay zero) and keep the stage if an epoch brings validation top-1 back (0: undo at once).") var recoverEpochs = 0
    @Option(help: "Seed of the shuffling (and of the validation split without --split-seed).") var seed: UInt64 = 0
    @Option(help: "Seed of the validation split (default: --seed), to vary the training order on the same held-out rows.") var splitSeed: UInt64?
    @Flag(help: "serene: leave the last layer's weights unregularized (before 2026-11-29 08:30; default: they decay with 1 − 1/C).") var noLastLayerPenalty = false

    func check(_ p: PruneArguments, criterion: Criterion?) throws {
        if criterion != nil || p.sparsity != nil || p.threshold != nil { throw ValidationError("--method replaces --criterion, --sparsity and --threshold") }
        guard p.data != nil, p.labels != nil else { throw ValidationError("--method trains: give --data X.npy and --labels Y.npy") }
        if (valData == nil) != (valLabels == nil) { throw ValidationError("--val-data and --val-labels go together") }
        do { try options(p).validate() } catch let e as TrainPruneError {
            throw ValidationError((Self.flags[e.location] ?? e.location) + ": " + e.message)
        }
    }

    /// The flags of TrainPruneOptions' settings, as TrainPruneError names them.
    static let flags = ["lambda": "--lambda", "learning rate": "--lr", "TWT": "--twt", "PWE": "--pwe", "max epochs": "--max-epochs",
                        "batch size": "--batch", "target top-1": "--target-top1", "target ratio": "--target-ratio",
                        "target neuron share": "--target-neurons", "time budget": "--max-seconds",
                        "retries": "--retries", "recover epochs": "--recover-epochs", "epsilon": "--epsilon"]

    func options(_ p: PruneArguments) -> TrainPruneOptions {
        var o = TrainPruneOptions(method: method?.trainPrune ?? .lobster)
        o.sensitivity = sensitivity; o.lambda = lambda; o.learningRate = lr ?? 0.1; o.batchSize = batch; o.pwe = pwe
        o.twt = p.twt; o.maxEpochs = maxEpochs; o.maxSeconds = maxSeconds; o.targetTop1 = targetTop1; o.targetRatio = targetRatio; o.targetNeuronShare = targetNeurons; o.seed = seed; o.splitSeed = splitSeed; o.retries = retries
        o.recoverEpochs = recoverEpochs
        o.epsilon = p.epsilon; o.penalizeLastLayer = !noLastLayerPenalty
        return o
    }
}

/// `--method`: the training-time pruning methods of TrainPrune, and flip-frequency
/// pruning of binary networks (FlipFrequency).
enum PruneMethodArgument: String, ExpressibleByArgument, CaseIterable {
    case lobster, serene, l2
    case flipFrequency = "flip-frequency"

    var trainPrune: PruneMethod? { PruneMethod(rawValue: rawValue) }
}
extension SensitivityKind: ExpressibleByArgument {}

extension PruneCommand {
    func runTraining() throws {
        try OutputPath.check(output, inputs: [model, pruning.data!, pruning.labels!] + [training.valData, training.valLabels].compactMap { $0 }, force: force)
        var r = TrainingPruner.Request(model: model, data: pruning.data!, labels: pruning.labels, output: output, options: training.options(pruning))
        r.validationData = training.valData; r.validationLabels = training.valLabels; r.validationSplit = training.valSplit
        var bar = Progress("epoch 1")
        let result = try TrainingPruner.run(r) { event in
            switch event {
            case let .batch(e, done, total, loss): bar.update(done, total, String(format: "loss %.4f", loss)); _ = e
            case let .epoch(rec):
                bar.finish()
                if !json { FileHandle.standardError.write(Data((Self.line(rec) + "\n").utf8)) }
                bar = Progress("epoch \(rec.epoch + 1)")
            case let .stage(s):
                bar.finish()
                if !json { FileHandle.standardError.write(Data((Self.line(s) + "\n").utf8)) }
            }
        }
        bar.finish()
        print(json ? Output.json(result) : Self.text(result))
    }

    static func line(_ e: PruneEpoch) -> String {
        var s = String(format: "stage %d epoch %d: loss %.4f", e.stage, e.epoch, e.trainLoss)
        if let l = e.validationLoss { s += String(format: ", val loss %.4f", l) }
        if let t = e.validationTop1 { s += String(format: ", val top-1 %.2f%%", 100 * t) }
        return s + String(format: ", sparsity %.2f%%, neurons %@, %.1f s", 100 * e.sparsity, e.neurons.map(String.init).joined(separator: "-"), e.seconds)
    }

    static func line(_ s: PruneStage) -> String {
        var t = String(format: "stage %d pruning: T = %.4g (%d evaluations), %d zeroed, val loss %.4f (bound %.4f)",
                       s.stage, s.threshold, s.evaluations, s.pruned, s.validationLoss, s.bound)
        if let a = s.validationTop1 { t += String(format: ", val top-1 %.2f%%", 100 * a) }
        return t + String(format: ", sparsity %.2f%%, neurons %@", 100 * s.sparsity, s.neurons.map(String.init).joined(separator: "-"))
    }

    static func text(_ r: TrainingPruner.Result) -> String {
        var lines = [String(format: "%@ → %@: %@, λ %.3g, TWT %.3g, %d training / %d validation samples",
                            r.model, r.output, r.method, r.lambda, r.twt, r.trainSamples, r.validationSamples)]
        lines.append(String(format: "%@ of %@ parameters left (%.1f×), %d stages, %d epochs, %.0f s (%@)",
                            Output.grouped(r.nonzero), Output.grouped(r.parameters), r.compressionRatio, r.stages.count, r.epochs.count, r.seconds, r.stopped))
        if let a = r.startTop1, let b = r.finalTop1 { lines.append(String(format: "validation top-1 %.2f%% → %.2f%%", 100 * a, 100 * b)) }
        for l in r.layers {
            lines.append(String(format: "  %@: %@/%@ parameters (%.2f%%), %d/%d neurons", l.name, Output.grouped(l.nonzero), Output.grouped(l.parameters),
                                100 * Double(l.nonzero) / Double(max(l.parameters, 1)), l.liveNeurons, l.neurons))
        }
        return lines.joined(separator: "\n")
    }
}
