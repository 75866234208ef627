import ArgumentParser
import Foundation
import ONNXIO
import Pipeline
import Prune
import Runtime
import Train

struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Zero weights (unstructured) or whole neurons (structured) of Conv/Gemm/MatMul layers.",
        discussion: """
        The topology stays as it is; `nncodec simplify` then removes what pruning made dead. \
        Thresholds are global (absolute magnitude, or the neuron's norm divided by its size) or, \
        with --per-layer, fractions of each layer's largest. --twt runs LOBSTER's bisection: the \
        largest threshold whose loss on the first half of --data stays within (1 + X) × the \
        unpruned loss; top-1 is reported on both halves. The last layer's outputs and neurons \
        that reach a graph output or an unsupported operator are never pruned.
        """)

    @Argument(help: "The .onnx model.") var model: String
    @Option(help: "unstructured (single weights by magnitude), structured (neurons by norm) or capacity (weights by Shannon–Hartley criticality on --data).") var criterion: PruneCriterion?
    @OptionGroup var pruning: PruneArguments
    @OptionGroup(title: "Training-time pruning (--method)") var training: TrainPruneArguments
    @Option(name: .shortAndLong, help: "The pruned .onnx.") var output: String
    @Flag(help: "Overwrite the output if it exists.") var force = false
    @Flag(help: "Skip the .7z sizes.") var noSizes = false
    @Option(help: "Fine-tune for N epochs after pruning (pruned weights stay zero) on the first half of --data.") var finetune = 0
    @Flag(help: "Print JSON instead of text.") var json = false

    func validate() throws {
        if training.method != nil {
            if criterion == .capacity { throw ValidationError("--criterion capacity is static pruning; it does not combine with --method") }
            return try training.check(pruning, criterion: criterion?.pruner)
        }
        guard let criterion else { throw ValidationError("give --criterion unstructured|structured|capacity, or --method lobster|serene|l2") }
        if let c = criterion.pruner { _ = try pruning.options(c) } else { try validateCapacity() }
        if finetune > 0 && pruning.data == nil { throw ValidationError("--finetune needs --data and --labels") }
    }

    func run() throws {
        if training.method != nil { return try runTraining() }
        try OutputPath.check(output, inputs: [model], force: force)
        var job = PruneJob(model: model, output: output, method: .capacity(sparsity: pruning.sparsity ?? 0, perLayer: pruning.perLayer))
        if let c = criterion?.pruner { job.method = .magnitude(try pruning.options(c)) }
        job.data = try pruning.labelled()
        job.calibration = try pruning.calibrationInputs()
        job.finetuneEpochs = finetune
        job.measureSizes = !noSizes
        if criterion == .capacity { return try report(Pipeline.capacityPrune(job)) }
        let progress = Progress("searching")
        let r = try Pipeline.prune(job, searchProgress: progress.update)
        progress.finish()
        print(json ? Output.json(r) : Self.text(r))
    }

    static func text(_ r: PruneJobReport) -> String {
        var lines = ["\(r.model) → \(r.output): \(r.report.criterion.rawValue) pruning"]
        let rep = r.report
        var how = String(format: "%@ %@ of %@ pruned", Output.grouped(rep.prunedUnits),
                         rep.criterion == .structured ? "neurons" : "weights", Output.grouped(rep.candidateUnits))
        if let t = rep.threshold { how += String(format: ", threshold %.5g%@", t, rep.perLayer ? " of each layer's largest" : "") }
        if let b = rep.baselineLoss, let f = rep.finalLoss, let bound = rep.lossBound {
            how += String(format: "; validation loss %.4f → %.4f (bound %.4f, %d evaluations)", b, f, bound, rep.search.count)
        }
        lines.append(how)
        for c in rep.compensation {
            var t = String(format: "%@: %d → %d neurons; %@ re-fitted, calibration pre-activation error %.4f (zeroed) → %.4f (least squares)",
                           c.layer, c.neuronsBefore, c.neuronsAfter, c.reader, c.relativeErrorUncompensated, c.relativeErrorCompensated)
            if let l = c.loss, let b = c.bound { t += String(format: "; validation loss %.4f (bound %.4f, %d evaluations)", l, b, c.evaluations) }
            lines.append("  " + t)
        }
        if let t = r.finetune, let b = t.bestValidationTop1, let a = t.initialValidationTop1 {
            lines.append(String(format: "fine-tuned %d epochs: validation top-1 %.2f%% → %.2f%% (best epoch %d)", t.epochs.count, 100 * a, 100 * b, t.bestEpoch))
        }
        lines.append(r.comparison.table())
        return lines.joined(separator: "\n")
    }
}

struct SimplifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simplify",
        abstract: "Remove what pruning made dead: fold BatchNorm, propagate dead neurons' constants into the next bias, drop channels.",
        discussion: """
        The result computes the same outputs up to float rounding. A non-zero constant channel \
        read by a zero-padded Conv is kept (its border contribution differs) and reported. \
        With --data the outputs are compared on it (and top-1 with --labels).
        """)

    @Argument(help: "The .onnx model (usually pruned).") var model: String
    @Option(name: .shortAndLong, help: "The simplified .onnx.") var output: String
    @Option(help: "Input samples (.npy) to compare outputs on.") var data: String?
    @Option(help: "Integer labels (.npy) for top-1 before and after.") var labels: String?
    @Flag(help: "Overwrite the output if it exists.") var force = false
    @Flag(help: "Skip the .7z sizes.") var noSizes = false
    @Flag(help: "Print JSON instead of text.") var json = false

    func validate() throws {
        if labels != nil && data == nil { throw ValidationError("--labels needs --data") }
    }

    func run() throws {
        try OutputPath.check(output, inputs: [model], force: force)
        var job = SimplifyJob(model: model, output: output)
        job.data = data
        job.labels = labels
        job.measureSizes = !noSizes
        let r = try Pipeline.simplify(job)
        print(json ? Output.json(r) : Self.text(r))
    }

    static func text(_ r: SimplifyJobReport) -> String {
        let rep = r.report
        var lines = ["\(r.model) → \(r.output)"]
        var what = "\(rep.foldedBatchNorms.count) BatchNorm folded, \(rep.constantChannels) constant channels, \(rep.foldedInputs) folded into biases, "
            + "\(rep.removedChannels.values.reduce(0, +)) channels removed"
        if !rep.keptConstantChannels.isEmpty {
            what += "; kept (zero-padded Conv or MatMul without bias reads a non-zero constant): "
                + rep.keptConstantChannels.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        lines.append(what)
        let kept = rep.keptPrunedChannels.sorted { $0.key < $1.key }.flatMap { layer, reasons in
            reasons.sorted { $0.key < $1.key }.map { "  \(layer): \($0.value) pruned channel(s) kept, \($0.key)" }
        }
        if !kept.isEmpty {
            lines.append("kept:")
            lines += kept.prefix(12) + (kept.count > 12 ? ["  … \(kept.count - 12) more (see --json)"] : [])
        }
        lines.append(r.comparison.table())
        return lines.joined(separator: "\n")
    }
}
