import ArgumentParser
import Codec
import Foundation
import ONNXIO
import Pipeline
import Reports

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Encode at a range of steps, decode, evaluate, and plot the rate–accuracy curve (SVG + CSV).",
        discussion: "Prints the elbow: the smallest bitstream whose top-1 is within 0.1 points of the original's.")

    @Argument(help: "The .onnx model.") var model: String
    @Option(help: "Input data (.npy, .npz, .pb; NAME=FILE per input).") var data: [String] = []
    @Option(help: "Class labels (.npy).") var labels: String
    @Option(name: .customShort("q"), help: "Steps 2^-q to try: a range 2...20, a list 4,6,8, or one value.") var q = "2...16"
    @Option(help: "Variants: off (uniform), on (dependent quantization), or both.") var dq = "both"
    @Option(help: "Samples per batch.") var batch = 64
    @Option(help: "Evaluate only the first N samples.") var limit: Int?
    @Option(help: "Write the CSV here (default: <model>-sweep.csv in the current folder).") var csv: String?
    @Option(help: "Write the SVG plot here (default: <model>-sweep.svg in the current folder).") var svg: String?
    @Flag(help: "Skip the .7z/.xz markers (they take long on large models).") var noArchives = false
    @Flag(help: "Overwrite outputs that exist.") var force = false
    @Flag(help: "Print JSON instead of text.") var json = false

    static func parseSteps(_ s: String) throws -> [Int] {
        let t = s.trimmingCharacters(in: .whitespaces)
        for sep in ["...", "..", "-"] where t.dropFirst().contains(sep) {
            let parts = t.components(separatedBy: sep)
            if parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]), a <= b { return Array(a...b) }
        }
        let list = t.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !list.isEmpty, list.allSatisfy({ $0 != nil }) else {
            throw ValidationError("-q takes a range (2...20), a list (4,6,8) or a number, not '\(s)'")
        }
        return list.map { $0! }
    }

    func validate() throws {
        let steps = try Self.parseSteps(q)
        if steps.contains(where: { $0 < -20 || $0 > 30 }) { throw ValidationError("-q values must be between -20 and 30") }
        if !["off", "on", "both"].contains(dq) { throw ValidationError("--dq takes off, on or both") }
        if data.isEmpty { throw ValidationError("--data is required") }
    }

    func run() throws {
        let stem = FileIO.fileName(of: model).replacingOccurrences(of: ".onnx", with: "")
        var job = SweepJob(model: model, data: data, labels: labels, qs: try Self.parseSteps(q))
        job.csv = csv ?? "\(stem)-sweep.csv"
        job.svg = svg ?? "\(stem)-sweep.svg"
        for p in [job.csv!, job.svg!] { try OutputPath.check(p, inputs: [model], force: force) }
        job.dependentQuantization = dq == "both" ? [false, true] : [dq == "on"]
        job.batchSize = batch
        job.limit = limit
        job.archives = !noArchives
        let progress = Progress("sweep")
        let result = try Pipeline.sweep(job, progress: progress.update)
        progress.finish()
        print(json ? Output.json(result) : Self.text(result) + "\nwrote \(job.csv!) and \(job.svg!)")
    }

    static func text(_ result: SweepResult) -> String {
        var lines = [Output.table(["variant", "q", "bytes", "of .onnx", "bits/param", "top-1", "encode s", "decode s"], result.points.map { p in
            [p.variant, String(p.q), Output.grouped(p.bitstreamBytes), String(format: "%.2f%%", 100 * p.relativeSize),
             String(format: "%.3f", p.bitsPerParameter), String(format: "%.2f%%", 100 * p.top1),
             String(format: "%.3f", p.encodeSeconds), String(format: "%.3f", p.decodeSeconds)]
        })]
        lines.append(String(format: "baseline top-1 %.2f%%, .onnx %@ bytes", 100 * result.baselineTop1, Output.grouped(result.onnxBytes))
              + (result.sevenZipBytes.map { ", .7z \(Output.grouped($0))" } ?? "") + (result.xzBytes.map { ", .xz \(Output.grouped($0))" } ?? ""))
        for v in result.variants {
            if let e = result.elbow(v) {
                lines.append(String(format: "elbow (%@): q=%d, %@ bytes (%.2f%% of .onnx), top-1 %.2f%%", v, e.q, Output.grouped(e.bitstreamBytes),
                                    100 * e.relativeSize, 100 * e.top1))
            } else {
                lines.append("elbow (\(v)): no step keeps top-1 within 0.1 points of the baseline")
            }
        }
        return lines.joined(separator: "\n")
    }
}
