import ArgumentParser
import Criticality
import Foundation
import ONNXIO
import Pipeline

struct CriticalityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "criticality",
        abstract: "Shannon–Hartley criticality of every weight: the most critical ones and the reliability experiment.",
        discussion: """
        SHC = |w| · Σ over the weight's synapses of log2(1 + |mean input| / max(|∂L/∂w|, floor)), measured \
        on --data (the training split). The reliability experiment removes weights in descending SHC \
        order and in descending magnitude order and counts the removals that drop top-1 by 2 … 80 points, \
        evaluated on --test-data (else on --data). --curve-csv/--curve-svg add top-1 against sparsity for \
        SHC, global magnitude and layer-wise magnitude pruning.
        """)

    @Argument(help: "The .onnx model.") var model: String
    @Option(help: "Input samples (.npy, [N, ...]) for mean inputs and gradients.") var data: String
    @Option(help: "Integer labels (.npy, [N]).") var labels: String
    @Option(help: "Samples to evaluate top-1 on in the experiments (.npy).") var testData: String?
    @Option(help: "Labels of --test-data (.npy).") var testLabels: String?
    @Option(help: "List the K most critical weights.") var top = 10
    @Flag(help: "Skip the reliability experiment.") var noReliability = false
    @Option(help: "Write top-1 against sparsity (SHC, global and layer-wise magnitude) as CSV.") var curveCsv: String?
    @Option(help: "Write the same curve as an SVG plot.") var curveSvg: String?
    @Option(help: "Comma-separated sparsities for the curve.") var sparsities = "0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.85,0.9,0.95"
    @Flag(help: "Print JSON instead of text.") var json = false

    func validate() throws {
        if (testData == nil) != (testLabels == nil) { throw ValidationError("--test-data and --test-labels go together") }
        if top < 0 { throw ValidationError("--top must be ≥ 0, got \(top)") }
        if curveValues() == nil { throw ValidationError("--sparsities: comma-separated numbers in [0, 1), got '\(sparsities)'") }
    }

    func curveValues() -> [Double]? {
        let v = sparsities.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !v.isEmpty, v.allSatisfy({ $0 != nil && $0! >= 0 && $0! < 1 }) else { return nil }
        return v.map { $0! }
    }

    func run() throws {
        for o in [curveCsv, curveSvg].compactMap({ $0 }) { try OutputPath.check(o, inputs: [model, data, labels], force: true) }
        var job = CriticalityJob(model: model, data: data, labels: labels)
        job.testData = testData
        job.testLabels = testLabels
        job.top = top
        job.reliability = !noReliability
        job.curve = (curveCsv != nil || curveSvg != nil) ? curveValues() : nil
        job.curveCSV = curveCsv
        job.curveSVG = curveSvg
        let progress = Progress("criticality")
        let r = try Pipeline.criticality(job, progress: progress.update)
        progress.finish()
        print(json ? Output.json(r) : Self.text(r, model: model))
    }

    static func text(_ r: CriticalityStudy.Result, model: String) -> String {
        var lines = ["\(model): SHC of \(Output.grouped(r.weights)) weights on \(r.samples) samples (gradient floor \(String(format: "%.3g", r.gradientFloor)))"]
        if !r.top.isEmpty { lines.append("most critical: layer index value SHC") }
        for w in r.top { lines.append(String(format: "  %@ %@ %+.5f %.4g", w.layer, "\(w.index)", w.value, w.shc)) }
        if let rel = r.reliability {
            let on = r.evaluationIsAnalysisData ? "--data" : "--test-data"
            lines.append(String(format: "reliability on %@ (%d samples, top-1 %.2f%%, %d evaluations): removals to drop top-1 by", on, r.evaluationSamples, 100 * rel.baselineTop1, rel.evaluations))
            lines.append("  points  SHC-descending  magnitude-descending")
            for row in rel.rows {
                lines.append(String(format: "  %6.0f  %14@  %20@", row.drop, row.capacity.map { "\($0)" } ?? "not reached", row.magnitude.map { "\($0)" } ?? "not reached"))
            }
        }
        if let c = r.curve {
            lines.append("top-1 vs sparsity: sparsity SHC global-magnitude layer-magnitude")
            for p in c { lines.append(String(format: "  %.2f %.2f%% %.2f%% %.2f%%", p.sparsity, 100 * p.capacity, 100 * p.globalMagnitude, 100 * p.layerMagnitude)) }
        }
        return lines.joined(separator: "\n")
    }
}
