import ArgumentParser
import Codec
import Foundation
import ONNXIO
import Prune
import Reports
import Pipeline

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "One table comparing the baseline, unstructured- and structured-pruned variants, each as .onnx and encoded.",
        discussion: "Columns: remaining parameters per layer, compression ratio, neurons per layer, .onnx/.7z/bitstream bytes, bits per parameter, top-1/top-5, encode/decode time.")

    @Argument(help: "The .onnx model.") var model: String
    @Option(help: "Input samples (.npy, [N, ...]).") var data: String
    @Option(help: "Integer labels (.npy, [N]).") var labels: String
    @Option(name: .customShort("q"), parsing: .unconditional, help: "Encode at step 2^-N.") var q = 8
    @Flag(help: "Dependent quantization.") var dq = false
    @Option(help: "LOBSTER tolerance for the pruned rows: validation loss ≤ (1 + X) × the baseline's.") var twt = 0.05
    @Flag(help: "Only the baseline rows (no pruning).") var noPrune = false
    @Option(help: "Structured neuron score: norm or activation.") var score: NeuronScore = .activation
    @Option(help: "Calibration inputs (.npy): the structured row then re-fits the layers reading removed neurons (least squares).") var calibration: String?
    @Flag(help: "Skip the .7z column.") var no7z = false
    @Option(help: "markdown, csv or json (default: markdown).") var format = "markdown"
    @Option(name: .shortAndLong, help: "Write the report to this file instead of standard output.") var output: String?
    @Flag(help: "Overwrite the output if it exists.") var force = false

    func validate() throws {
        guard ["markdown", "md", "csv", "json"].contains(format) else { throw ValidationError("--format takes markdown, csv or json") }
        guard twt >= 0 else { throw ValidationError("--twt must be at least 0") }
    }

    func run() throws {
        if let output { try OutputPath.check(output, inputs: [model, data, labels], force: force) }
        var job = ReportJob(model: model, data: data, labels: labels)
        job.calibration = calibration
        job.settings.encode = EncodeOptions(q: q)
        job.settings.encode.dependentQuantization = dq
        job.settings.twt = noPrune ? nil : twt
        job.settings.structuredScore = score
        job.settings.sevenZip = !no7z
        let progress = Progress("report")
        let report = try Pipeline.report(job, progress: progress.update)
        progress.finish()
        let text = format == "csv" ? report.csv : format == "json" ? Output.json(report) + "\n" : report.markdown + "\n"
        guard let output else { return print(text, terminator: "") }
        try FileIO.writeAtomically(output, bytes: Array(text.utf8))
        print("wrote \(output)")
    }
}
