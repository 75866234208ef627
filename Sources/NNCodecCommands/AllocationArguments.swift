import ArgumentParser
import Foundation
import Pipeline
import RateAllocation

/// `encode`'s rate-allocation flags: a budget on --data/--labels and the validation split.
struct AllocationArguments: ParsableArguments {
    @Option(help: "Per-tensor qps for the smallest stream whose top-1 on the validation data is at most P points below the original's (needs --data and --labels).")
    var maxDrop: Double?
    @Option(help: "Label-free budget: top-1 agreement with the original model on --data at least A (0...1).")
    var minAgreement: Double?
    @Option(help: "Label-free budget: mean cosine similarity of the outputs to the original's on --data at least C.")
    var minCosine: Double?
    @Option(help: "With a budget: the first F of --data validates the search; the rest is held out and only reported.")
    var valSplit: Double = 1
    @Option(help: "With a budget: the coarsest candidate qp (the grid runs from --min-qp to this).")
    var maxQp: Int = -8
    @Option(parsing: .unconditional, help: "With a budget: the finest candidate qp.")
    var minQp: Int = -60
    @Flag(help: "With a budget: search with and without dependent quantization and keep the smaller stream (replaces --dq; twice the search time).")
    var chooseDq = false

    var budget: AccuracyBudget? {
        maxDrop.map { .maxDrop(points: $0) } ?? minAgreement.map { .minAgreement($0) } ?? minCosine.map { .minCosine($0) }
    }

    func check(data: String?, labels: String?, pruning: Bool, qpGiven: Bool) throws {
        let given = [maxDrop, minAgreement, minCosine].compactMap { $0 }.count
        if given > 1 { throw ValidationError("give only one of --max-drop, --min-agreement and --min-cosine") }
        guard given == 1 else {
            if valSplit != 1 { throw ValidationError("--val-split goes with --max-drop, --min-agreement or --min-cosine") }
            if chooseDq { throw ValidationError("--choose-dq goes with --max-drop, --min-agreement or --min-cosine") }
            return
        }
        if pruning { throw ValidationError("rate allocation (--max-drop, …) and --prune cannot be combined yet; prune first with `nncodec prune`") }
        if qpGiven { throw ValidationError("the budget chooses the qps; drop -q/--qp") }
        if data == nil { throw ValidationError("a budget is measured on data: add --data X.npy") }
        if maxDrop != nil && labels == nil { throw ValidationError("--max-drop compares top-1 with labels: add --labels Y.npy (or use --min-agreement)") }
        if !(valSplit > 0 && valSplit <= 1) { throw ValidationError("--val-split must be in (0, 1]") }
        if minQp > maxQp { throw ValidationError("--min-qp must not be above --max-qp") }
    }

    /// The allocation job, or nil without a budget.
    func job(data: String?, labels: String?) throws -> AllocationJob? {
        guard let budget, let data else { return nil }
        var o = AllocationOptions(budget: budget)
        o.qps = Array(minQp ... maxQp)
        o.chooseDependentQuantization = chooseDq
        return AllocationJob(options: o, data: try ValidationData.load(data: data, labels: maxDrop == nil ? nil : labels),
                             validationFraction: valSplit)
    }

    /// One line per table encode and probe, on standard error.
    static let log: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data(("allocation: " + line + "\n").utf8))
    }

    static func summary(_ r: AllocationReport) -> String {
        let rows = r.tensors.map { t in
            [t.name, Output.grouped(t.parameters), String(t.qp), Output.grouped(t.bytes),
             String(format: "%.3e%@", t.fisher, t.fisherEstimated ? "*" : ""), String(format: "%.3e", t.mse.squareRoot())]
        }
        var lines = ["rate allocation: per tensor", Output.table(["tensor", "parameters", "qp", "bytes", "Fisher Σ", "RMS error"], rows)]
        if r.tensors.contains(where: \.fisherEstimated) { lines.append("* no gradient path: the largest per-element Fisher of the others") }
        lines.append(String(format: "validation (%d samples): %.2f%% → %.2f%%", r.validationSamples, 100 * r.baseline, 100 * r.achieved))
        if let n = r.heldOutSamples, let b = r.heldOutBaseline, let a = r.heldOutAchieved {
            lines.append(String(format: "held out (%d samples, not searched on): %.2f%% → %.2f%%", n, 100 * b, 100 * a))
        }
        lines.append(String(format: "search: %d evaluations + %d table encodes in %.2f s (Fisher %.2f s; one encode %.3f s, one evaluation %.3f s; %.2f× (encode + evaluation) per evaluation)",
                            r.evaluations, r.tableEncodes, r.seconds, r.fisherSeconds, r.meanEncodeSeconds,
                            r.meanEvaluationSeconds, r.costRatio))
        if let other = r.otherModeBytes, let dq = r.dependentQuantization {
            lines.append("dependent quantization: \(dq ? "on" : "off") (\(Output.grouped(r.bytes)) bytes; \(dq ? "off" : "on"): \(Output.grouped(other)))")
        }
        return lines.joined(separator: "\n")
    }
}
