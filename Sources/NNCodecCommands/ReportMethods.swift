import ArgumentParser
import Foundation
import ONNXIO
import Pipeline
import Prune
import Reports

/// `nncodec report MODEL --methods LABEL=PRUNED.onnx[@LOG.json] …`: the seed's Table 5.1 and
/// 7.1 forms and the Fig. 7.3 SVG.
extension ReportCommand {
    static func methodSpec(_ s: String) throws -> (label: String, model: String, log: String?) {
        let parts = s.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw ValidationError("--methods takes LABEL=PRUNED.onnx or LABEL=PRUNED.onnx@LOG.json, got \(s)")
        }
        let file = parts[1].split(separator: "@", maxSplits: 1).map(String.init)
        return (parts[0], file[0], file.count == 2 ? file[1] : nil)
    }

    func runMethods() throws {
        let specs = try methods.map(Self.methodSpec)
        for o in [output, svg].compactMap({ $0 }) {
            try OutputPath.check(o, inputs: [model, data, labels] + specs.flatMap { [$0.model] + [$0.log].compactMap { $0 } }, force: force)
        }
        var job = MethodsReportJob(baseline: model, data: data, labels: labels, methods: specs.map { .init(label: $0.label, model: $0.model, log: $0.log) })
        job.settings.sevenZip = !no7z
        job.settings.curveQs = curveSteps
        let progress = Progress("report")
        let report = try Pipeline.methodsReport(job) { progress.update($0, $1, $2) }
        progress.finish()
        let text = format == "json" ? Output.json(report) + "\n" : report.markdown
        if let svg { try FileIO.writeAtomically(svg, bytes: Array(report.svg.utf8)) }
        if let output { try FileIO.writeAtomically(output, bytes: Array(text.utf8)); print("wrote \(output)") } else { print(text, terminator: "") }
        if let svg { print("wrote \(svg)") }
    }
}
