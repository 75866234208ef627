import Codec
import Foundation
import ONNXIO
import Runtime

/// The smallest stream whose decoded model meets an accuracy budget on validation data.
///
/// Steps: the original's metric; the diagonal Fisher per weight tensor (`Sensitivity`); one
/// uniform encode per candidate qp (`RateTable`); then probes, each a real encode, decode
/// and evaluation: the finest allocation (refused if it misses the budget), the coarsest,
/// a bisection on log λ of the equal-slope allocation (`Lagrangian`), and a greedy pass of
/// one-step coarsenings kept only when they still meet the budget; the same refinement from
/// the smallest uniform allocation that met it, if that was smaller. The result is always a
/// probed allocation that met the budget.
public enum RateSearch {
    /// Searches per-tensor qps for `model` encoded with `encode` (DQ, param_opt, … as set
    /// there). `progress` gets one line per table encode and per probe.
    /// `table`: a rate table already measured for this model and `encode` (e.g. by a sweep
    /// over several budgets); nil measures one over `options.qps`. With
    /// `options.chooseDependentQuantization` (and no table given) it searches with and without
    /// DQ and keeps the smaller stream.
    public static func run(model: Model, encode: EncodeOptions, data: ValidationData, heldOut: ValidationData? = nil,
                           options: AllocationOptions, table given: RateTable? = nil,
                           progress: ((String) -> Void)? = nil) throws
        -> (options: EncodeOptions, report: AllocationReport) {
        try options.budget.validate()
        if options.chooseDependentQuantization && given == nil {
            return try choosingDependentQuantization(model: model, encode: encode, data: data, heldOut: heldOut,
                                                     options: options, progress: progress)
        }
        let start = Date()
        let session = try runtime("the model") { try Session(model: model) }
        let judge = try runtime("data") { try BudgetJudge(budget: options.budget, data: data, original: session, batchSize: options.batchSize) }
        let tableStart = Date()
        let table = try given ?? RateTable.measure(model: model, options: encode, qps: options.qps) { done, total, qp in
            progress?("rate table \(done)/\(total): qp \(qp)")
        }
        guard !table.tensors.isEmpty else {
            throw RateAllocationError(.invalidSetting, "model", "has no quantized tensor to allocate")
        }
        let encodeSeconds = Date().timeIntervalSince(tableStart) / Double(table.qps.count)
        let fisherStart = Date()
        let sens = try Sensitivity.fisher(model: model, tensors: Dictionary(table.tensors.map { ($0.name, $0.parameters) },
                                                                          uniquingKeysWith: { a, _ in a }),
                                          data: data, batchSize: options.fisherBatch)
        let fisherSeconds = Date().timeIntervalSince(fisherStart)
        var prober = Prober(model: model, encode: encode, table: table, judge: judge, progress: progress)
        let best = try prober.search(Lagrangian(table: table, sensitivity: sens), options: options)
        var report = AllocationReport(
            budget: options.budget, validationSamples: data.count, baseline: judge.baseline, achieved: best.value,
            tensors: table.tensors.indices.map { t in
                let name = table.tensors[t].name, k = best.choice[t]
                return TensorAllocation(name: name, parameters: table.tensors[t].parameters, qp: table.entries[t][k].qp,
                                        bytes: table.entries[t][k].bytes, fisher: sens.fisher[name] ?? 0,
                                        fisherEstimated: sens.estimated.contains(name), mse: table.entries[t][k].mse)
            },
            probes: prober.probes, bytes: best.bytes, tableEncodes: table.qps.count, meanEncodeSeconds: encodeSeconds,
            meanEvaluationSeconds: prober.inferenceSeconds / Double(max(prober.probes.count, 1)),
            fisherSeconds: fisherSeconds, seconds: 0, dependentQuantization: encode.dependentQuantization)
        let chosen = prober.options(for: best.choice)
        if let heldOut {
            try measureHeldOut(&report, model: model, chosen: chosen, heldOut: heldOut, options: options, original: session)
        }
        report.seconds = Date().timeIntervalSince(start)
        return (chosen, report)
    }

    /// The budget's metric of the original and the chosen model on `heldOut` (reported only).
    static func measureHeldOut(_ report: inout AllocationReport, model: Model, chosen: EncodeOptions, heldOut: ValidationData,
                               options: AllocationOptions, original: Session) throws {
        var o = chosen
        o.carryTopology = false
        let bytes = try ModelEncoder(options: o).encode(model).bytes
        let decoded = try ModelDecoder.decode(bytes, source: "allocated stream", graph: model).model
        try runtime("held-out data") {
            let judge = try BudgetJudge(budget: options.budget, data: heldOut, original: original, batchSize: options.batchSize)
            report.heldOutSamples = heldOut.count
            report.heldOutBaseline = judge.baseline
            report.heldOutAchieved = try judge.measure(try Session(model: decoded)).value
        }
    }

    /// Runs `body`, turning Runtime failures on the data into one located error.
    static func runtime<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as RateAllocationError { throw e } catch let e as RuntimeError {
            throw RateAllocationError(.invalidData, what, "\(e) (check that the data matches the model's input)")
        }
    }
}
