import ArgumentParser
import Foundation
import ONNXIO
import Pipeline

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Run an ONNX model on real data: top-1/top-5 accuracy, cross-entropy, throughput; or fidelity against another model.",
        discussion: """
        --data takes .npy (one input, or NAME=FILE per input), .npz (arrays named after the inputs) \
        or ONNX TensorProto .pb files. --labels is a .npy of class indices. Without labels, pass \
        --reference OTHER.onnx to compare the two models' outputs (e.g. a decoded model against the original).
        """)

    @Argument(help: "The .onnx model.") var model: String
    @Option(help: "Input data: FILE, or NAME=FILE per graph input (repeatable).") var data: [String] = []
    @Option(help: "Class labels (.npy of integers), one per sample.") var labels: String?
    @Option(help: "A second model to compare outputs with (max/mean |diff|, cosine similarity).") var reference: String?
    @Option(help: "Samples per batch.") var batch = 64
    @Option(help: "Evaluate only the first N samples.") var limit: Int?
    @Option(help: "The output holding class scores (default: the first graph output).") var output: String?
    @Flag(help: "Print JSON instead of text.") var json = false

    func validate() throws {
        if data.isEmpty { throw ValidationError("--data is required (a .npy, .npz or .pb file)") }
        if labels == nil && reference == nil { throw ValidationError("give --labels for accuracy or --reference for fidelity") }
        if batch < 1 { throw ValidationError("--batch must be at least 1") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        var job = EvaluateJob(model: model, data: data)
        job.labels = labels
        job.reference = reference
        job.batchSize = batch
        job.limit = limit
        job.output = output
        let progress = Progress("evaluating")
        let r = try Pipeline.evaluate(job, progress: progress.update)
        progress.finish()
        print(json ? Output.json(r) : Self.text(r))
    }

    static func text(_ r: EvaluationReport) -> String {
        var line = "\(r.model): \(r.samples) samples"
        if let t = r.top1 { line += String(format: ", top-1 %.2f%%", 100 * t) }
        if let t = r.top5 { line += String(format: ", top-5 %.2f%%", 100 * t) }
        if let l = r.meanCrossEntropy { line += String(format: ", loss %.4f", l) }
        if let s = r.samplesPerSecond { line += String(format: ", %.0f samples/s", s) }
        guard let ref = r.reference else { return line }
        return line + "\n" + String(format: "vs %@: max |diff| %.3e, mean |diff| %.3e, cosine %.6f, top-1 agreement %.2f%%",
                                     ref, r.maxAbsDiff ?? 0, r.meanAbsDiff ?? 0, r.meanCosineSimilarity ?? 0, 100 * (r.top1Agreement ?? 0))
    }
}
