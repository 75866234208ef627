import ArgumentParser
import Criticality
import Foundation
import ONNXIO
import Pipeline
import Prune
import Runtime
import Train

/// `prune --criterion`: the magnitude/norm criteria of `Pruner`, or the capacity (SHC)
/// criterion of the Criticality module.
enum PruneCriterion: String, ExpressibleByArgument, CaseIterable {
    case unstructured, structured, capacity
    /// The `Pruner` criterion (nil for capacity).
    var pruner: Criterion? { Criterion(rawValue: rawValue) }
}

extension PruneCommand {
    func validateCapacity() throws {
        guard pruning.threshold == nil, pruning.twt == nil else { throw ValidationError("--criterion capacity takes --sparsity, not --threshold or --twt") }
        guard let s = pruning.sparsity else { throw ValidationError("--criterion capacity needs --sparsity S") }
        guard s >= 0 && s < 1 else { throw ValidationError("--sparsity must be in [0, 1), got \(s)") }
        guard pruning.data != nil, pruning.labels != nil else {
            throw ValidationError("--criterion capacity measures inputs and gradients: add --data X.npy --labels Y.npy (the training split)")
        }
    }

    func report(_ r: CapacityPruneJobReport) {
        let report = r.report, tuned = r.finetune
        if json { print(Output.json(r)); return }
        var lines = ["\(model) → \(output): capacity (SHC) pruning on \(report.samples) samples",
                     String(format: "%@ of %@ weights pruned (%@, sparsity %.3f); gradient floor %.3g",
                            Output.grouped(report.pruned), Output.grouped(report.weights), report.perLayer ? "per layer" : "global",
                            report.sparsity, report.gradientFloor)]
        if let t = tuned, let b = t.bestValidationTop1, let a = t.initialValidationTop1 {
            lines.append(String(format: "fine-tuned %d epochs: validation top-1 %.2f%% → %.2f%% (best epoch %d)", t.epochs.count, 100 * a, 100 * b, t.bestEpoch))
        }
        lines.append(r.comparison.table())
        print(lines.joined(separator: "\n"))
    }
}
