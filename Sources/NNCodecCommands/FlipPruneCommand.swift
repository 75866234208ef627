import ArgumentParser
import FlipFrequency
import Foundation
import Prune

/// The options of `nncodec prune --method flip-frequency`; --data, --labels, --val-*, --lr,
/// --batch and --seed come from the other pruning option groups.
struct FlipArguments: ParsableArguments {
    @Option(help: "Stop when validation top-1 drops more than this (fraction) below the start's.") var deltaAcc = 0.01
    @Option(help: "Epochs of the re-run pruning interval in which latent weights' sign flips are counted.") var intervalEpochs = 2
    @Option(help: "Epochs of retraining after each round's channel removal.") var retrainEpochs = 6
    @Option(help: "Weights flipping at least this often are unstable; per layer, their share is the share of channels removed.") var flipThreshold = 2
    @Option(help: "At most this many rounds (0: round 0 alone, the retraining without a shrink).") var maxRounds = 5
    @Option(help: "Starting learning rate of the retraining after each round and of the final retraining (cosine to 0; default: --lr).") var retrainLr: Double?
    @Option(help: "After the last round, retrain the result this many epochs on training and validation samples together (0: no).") var finalEpochs = 0

    func check(_ p: PruneArguments, _ t: TrainPruneArguments, criterion: PruneCriterion?) throws {
        if criterion != nil || p.sparsity != nil || p.threshold != nil || p.twt != nil {
            throw ValidationError("--method flip-frequency replaces --criterion, --sparsity, --threshold and --twt")
        }
        guard p.data != nil, p.labels != nil else { throw ValidationError("--method flip-frequency trains: give --data X.npy and --labels Y.npy") }
        let unused = Self.trainPruneOnly(t)
        if !unused.isEmpty {
            throw ValidationError("--method flip-frequency does not take \(unused.joined(separator: ", ")) (its stop is --delta-acc, its budget --max-rounds)")
        }
        if (t.valData == nil) != (t.valLabels == nil) { throw ValidationError("--val-data and --val-labels go together") }
        do { try options(t).validate() } catch let e as FlipError {
            throw ValidationError((Self.flags[e.location] ?? e.location) + ": " + e.message)
        }
    }

    /// The given flags of the lobster/serene/l2 loop that flip-frequency pruning has no use for.
    static func trainPruneOnly(_ t: TrainPruneArguments) -> [String] {
        let given: [(String, Bool)] = [("--lambda", t.lambda != nil), ("--max-seconds", t.maxSeconds != nil),
                                       ("--target-top1", t.targetTop1 != nil), ("--target-ratio", t.targetRatio != nil),
                                       ("--target-neurons", t.targetNeurons != nil), ("--split-seed", t.splitSeed != nil),
                                       ("--no-last-layer-penalty", t.noLastLayerPenalty)]
        return given.filter(\.1).map(\.0)
    }

    /// The flags of FlipPruneOptions' settings, as FlipError names them.
    static let flags = ["Δacc": "--delta-acc", "interval epochs": "--interval-epochs", "retrain epochs": "--retrain-epochs",
                        "flip threshold": "--flip-threshold", "max rounds": "--max-rounds", "final epochs": "--final-epochs", "learning rate": "--lr", "retrain learning rate": "--retrain-lr", "batch size": "--batch"]

    func options(_ t: TrainPruneArguments) -> FlipPruneOptions {
        var o = FlipPruneOptions()
        o.deltaAcc = deltaAcc; o.intervalEpochs = intervalEpochs; o.retrainEpochs = retrainEpochs
        o.flipThreshold = flipThreshold; o.maxRounds = maxRounds; o.finalEpochs = finalEpochs
        o.retrainLearningRate = retrainLr
        o.learningRate = t.lr ?? 1e-3; o.batchSize = t.batch; o.seed = t.seed
        return o
    }
}

extension PruneCommand {
    func runFlipFrequency() throws {
        try OutputPath.check(output, inputs: [model, pruning.data!, pruning.labels!] + [training.valData, training.valLabels].compactMap { $0 }, force: force)
        var r = FlipPruner.Request(model: model, data: pruning.data!, labels: pruning.labels!, output: output)
        r.validationData = training.valData; r.validationLabels = training.valLabels; r.validationSplit = training.valSplit
        r.options = flip.options(training)
        let bar = Progress("flip-frequency")
        let job = try FlipPruner.run(r) { event in
            switch event {
            case let .training(round, phase, epoch, of, _): bar.update(epoch, of, "round \(round) \(phase) epochs")
            case .round(let round):
                bar.finish()
                if !json { FileHandle.standardError.write(Data((Self.flipLine(round) + "\n").utf8)) }
            }
        }
        bar.finish()
        print(json ? Output.json(job) : Self.flipText(job))
    }

    static func flipLine(_ r: FlipRound) -> String {
        String(format: "round %d: channels %@, %@ binary MACs (%.5f GOPs), validation top-1 %.2f%%%@", r.round,
               r.channels.map(String.init).joined(separator: "-"), Output.grouped(r.binaryOps), r.gops, 100 * r.validationTop1,
               r.accepted ? "" : " (rejected)")
    }

    static func flipText(_ job: FlipPruner.Job) -> String {
        let res = job.result, o = res.options
        var lines = [String(format: "%@ → %@: flip-frequency pruning, Δacc %.2f%%, interval %d epochs at %g, retrain %d epochs from %g, threshold %d flips; %d training / %d validation samples",
                            job.model, job.output, 100 * o.deltaAcc, o.intervalEpochs, o.learningRate, o.retrainEpochs, o.retrainLearningRate ?? o.learningRate,
                            o.flipThreshold, res.trainSamples, res.validationSamples)]
        let header = ["round"] + res.layers + ["binary MACs", "GOPs", "val top-1", ""]
        let rows = res.rounds.map { r in
            ["\(r.round)"] + zip(r.channels, r.removed).map { r.round == 0 ? "\($0)" : "\($0) (−\($1))" }
                + [Output.grouped(r.binaryOps), String(format: "%.5f", r.gops), String(format: "%.2f%%", 100 * r.validationTop1), r.accepted ? "" : "rejected"]
        }
        lines.append(Output.table(header, rows))
        lines.append(String(format: "round 0: the unpruned network after one interval and one retraining (validation top-1 as given: %.2f%%)", 100 * res.originalTop1))
        if let s = res.rounds.first, let f = res.final {
            lines.append(String(format: "binary operations %.1f%% fewer (%@ → %@ per sample), validation top-1 %.2f%% → %.2f%%; stopped: %@",
                                100 * res.opsReduction, Output.grouped(s.binaryOps), Output.grouped(f.binaryOps), 100 * s.validationTop1, 100 * f.validationTop1, res.stopped))
        }
        if let fr = res.finalRetraining {
            lines.append(String(format: "then retrained %d epochs on all %d training and validation samples (%.0f s); its validation top-1 is no longer held out",
                                fr.epochs, fr.samples, fr.seconds))
        }
        return lines.joined(separator: "\n")
    }
}
