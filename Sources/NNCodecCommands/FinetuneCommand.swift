import ArgumentParser
import Foundation
import Train

struct FinetuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Train an ONNX model's initializers on .npy data (labels, or distillation from a teacher model).",
        discussion: """
        The graph is written unchanged; initializers and BatchNorm running statistics are updated. \
        The checkpoint with the best validation loss (--val-data/--val-labels, else a seeded \
        --val-split of the data) is written. --keep-sparsity holds every weight that starts at \
        zero (weights and biases: pruned weights and removed neurons) at exactly zero; with \
        --split-seed the validation rows are those of `prune … --split-seed` while --seed varies the \
        training order. Without --labels, --teacher ORIG.onnx supplies soft targets.
        """)

    @Argument(help: "The .onnx model.") var model: String
    @Option(help: "Training inputs (.npy, batch axis first).") var data: String
    @Option(help: "Class labels (.npy of integers).") var labels: String?
    @Option(help: "A teacher .onnx to distill from when there are no labels.") var teacher: String?
    @Flag(help: "Distill with MSE on logits instead of the softened KL.") var distillMse = false
    @Option(help: "Distillation temperature.") var temperature = 4.0
    @Option(help: "Validation inputs (.npy).") var valData: String?
    @Option(help: "Validation labels (.npy).") var valLabels: String?
    @Option(help: "Fraction of --data held out for validation when --val-data is absent.") var valSplit = 0.1
    @Option(help: "Epochs.") var epochs: Int
    @Option(help: "Learning rate.") var lr = 0.01
    @Option(help: "sgd (momentum 0.9), adam or adamw.") var optimizer = "sgd"
    @Option(help: "Samples per batch.") var batch = 64
    @Option(help: "Weight decay.") var weightDecay: Float = 0
    @Option(help: "Learning-rate schedule: constant, cosine, or step:EPOCHS:GAMMA.") var schedule = "constant"
    @Flag(help: "Keep weights and biases that are zero at the start exactly zero.") var keepSparsity = false
    @Option(help: "Stop after this many epochs without a better validation loss.") var patience: Int?
    @Flag(help: "Keep BatchNorm in inference mode (running statistics, no update).") var frozenBatchnorm = false
    @Option(help: "Seed of shuffling, validation split and Dropout.") var seed: UInt64 = 0
    @Option(help: "Seed of the validation split (default: --seed), to keep prune's held-out rows.") var splitSeed: UInt64?
    @Option(name: .shortAndLong, help: "The fine-tuned .onnx.") var output: String
    @Flag(help: "Overwrite the output if it exists.") var force = false
    @Flag(help: "Print JSON instead of text.") var json = false

    func validate() throws {
        if labels == nil && teacher == nil { throw ValidationError("give --labels, or --teacher ORIG.onnx to distill") }
        if Optimizer.Kind(rawValue: optimizer) == nil { throw ValidationError("--optimizer must be sgd, adam or adamw") }
        _ = try parsedSchedule()
        if epochs < 1 { throw ValidationError("--epochs: must be at least 1, got \(epochs)") }
        if !(lr > 0 && lr.isFinite) { throw ValidationError("--lr: must be a positive number, got \(lr)") }
        if batch < 1 { throw ValidationError("--batch: must be at least 1, got \(batch)") }
        if let p = patience, p < 1 { throw ValidationError("--patience: must be at least 1 epoch, got \(p)") }
        if !(valSplit >= 0 && valSplit < 1) { throw ValidationError("--val-split: must be in [0, 1), got \(valSplit)") }
        if !(weightDecay >= 0) { throw ValidationError("--weight-decay: must not be negative, got \(weightDecay)") }
    }

    func parsedSchedule() throws -> Schedule {
        if schedule == "constant" { return .constant }
        if schedule == "cosine" { return .cosine(floor: 0) }
        let p = schedule.split(separator: ":")
        if p.count == 3, p[0] == "step", let e = Int(p[1]), let g = Double(p[2]) { return .step(every: e, gamma: g) }
        throw ValidationError("--schedule must be constant, cosine or step:EPOCHS:GAMMA")
    }

    func request() throws -> Finetune.Request {
        var r = Finetune.Request(model: model, data: data, output: output)
        r.labels = labels; r.teacher = teacher; r.distillMSE = distillMse; r.temperature = temperature
        r.validationData = valData; r.validationLabels = valLabels; r.validationSplit = valSplit; r.splitSeed = splitSeed
        var o = TrainingOptions()
        o.epochs = epochs; o.learningRate = lr; o.optimizer = Optimizer.Kind(rawValue: optimizer)!; o.batchSize = batch
        o.weightDecay = weightDecay; o.schedule = try parsedSchedule(); o.keepSparsity = keepSparsity
        o.patience = patience; o.batchNormTraining = !frozenBatchnorm; o.seed = seed
        r.options = o
        return r
    }

    func run() throws {
        try OutputPath.check(output, inputs: [model, data] + [labels, teacher, valData, valLabels].compactMap { $0 }, force: force)
        var bar = Progress("epoch 1/\(epochs)")
        let result = try Finetune.run(try request()) { event in
            switch event {
            case let .batch(e, done, total, loss): bar.update(done, total, String(format: "loss %.4f", loss)); _ = e
            case let .epoch(rec):
                bar.finish()
                if !json { FileHandle.standardError.write(Data((Self.line(rec, of: epochs) + "\n").utf8)) }
                bar = Progress("epoch \(rec.epoch + 1)/\(epochs)")
            }
        }
        bar.finish()
        print(json ? Output.json(result) : Self.text(result))
    }

    static func line(_ r: EpochRecord, of total: Int) -> String {
        var s = String(format: "epoch %d/%d: train loss %.4f", r.epoch, total, r.trainLoss)
        if let l = r.validationLoss { s += String(format: ", validation loss %.4f", l) }
        if let t = r.validationTop1 { s += String(format: ", top-1 %.2f%%", 100 * t) }
        s += String(format: ", %.1f s%@", r.seconds, r.improved ? " (best)" : "")
        return s
    }

    static func text(_ r: Finetune.Result) -> String {
        let rep = r.report
        var lines = ["\(r.model) → \(r.output): \(r.loss), \(r.trainSamples) training / \(r.validationSamples) validation samples, \(r.trainableTensors) tensors (\(Output.grouped(r.trainableParameters)) parameters)"]
        if let l0 = rep.initialValidationLoss, let lb = rep.bestValidationLoss {
            var s = String(format: "validation loss %.4f → %.4f (best epoch %d)", l0, lb, rep.bestEpoch)
            if let t0 = rep.initialValidationTop1, let tb = rep.bestValidationTop1 { s += String(format: ", top-1 %.2f%% → %.2f%%", 100 * t0, 100 * tb) }
            lines.append(s)
        }
        if r.maskedWeights > 0 { lines.append("\(Output.grouped(r.maskedWeights)) pruned weights kept at zero (\(r.maskViolations) non-zero)") }
        lines.append(String(format: "%d epochs (%@), %.0f training samples/s", rep.epochs.count, rep.stopped, rep.trainSamplesPerSecond))
        return lines.joined(separator: "\n")
    }
}
