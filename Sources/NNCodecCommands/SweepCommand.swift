import ArgumentParser
import Codec
import Foundation
import ONNXIO
import Pipeline
import Reports
import Runtime

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
    @Option(help: "Also the allocated curve: per-tensor qps (rate allocation) for these top-1 drop budgets in points, e.g. 0.1,0.5,1,2.")
    var allocated: String?
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

    static func parseBudgets(_ s: String) throws -> [Double] {
        let list = s.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !list.isEmpty, list.allSatisfy({ $0 != nil && $0! >= 0 }) else {
            throw ValidationError("--allocated takes a list of top-1 drops in points (0.1,0.5,1), not '\(s)'")
        }
        return list.map { $0! }
    }

    func validate() throws {
        if let allocated { _ = try Self.parseBudgets(allocated) }
        let steps = try Self.parseSteps(q)
        if steps.contains(where: { $0 < -20 || $0 > 30 }) { throw ValidationError("-q values must be between -20 and 30") }
        if !["off", "on", "both"].contains(dq) { throw ValidationError("--dq takes off, on or both") }
        if data.isEmpty { throw ValidationError("--data is required") }
    }

    func run() throws {
        let stem = FileIO.fileName(of: model).replacingOccurrences(of: ".onnx", with: "")
        let csvPath = csv ?? "\(stem)-sweep.csv", svgPath = svg ?? "\(stem)-sweep.svg"
        for p in [csvPath, svgPath] { try OutputPath.check(p, inputs: [model], force: force) }
        let m = try Model.load(path: model)
        var eval = EvalCommand()
        eval.model = model
        eval.data = data
        eval.limit = limit
        let session = try Session(model: m)
        let feed = try eval.inputs(for: session)
        let arrays = try EvalCommand.read(labels)
        guard let yArray = arrays.values.first else { throw CommandError("\(labels): holds no arrays") }
        var ys = yArray.int64s.map { Int($0) }
        if let limit, ys.count > limit { ys = Array(ys.prefix(limit)) }
        let samples = feed.values.first?.shape.first ?? 0
        guard ys.count == samples else { throw CommandError("\(labels): \(ys.count) labels for \(samples) samples in the data") }
        let variants: [Bool] = dq == "both" ? [false, true] : [dq == "on"]
        let progress = Progress("sweep")
        var result = try Sweep.run(model: m, name: FileIO.fileName(of: model), onnxBytes: Pipeline.modelBytes(m, path: model),
                                   data: feed, labels: ys, qs: try Self.parseSteps(q), dependentQuantization: variants,
                                   batchSize: batch) { done, total, label in progress.update(done, total, label) }
        if let allocated, let input = feed.values.first {
            for dqOn in variants {
                result.points += try Sweep.allocated(model: m, onnxBytes: result.onnxBytes, data: input, labels: ys,
                                                     drops: try Self.parseBudgets(allocated), dependentQuantization: dqOn) {
                    done, total, label in progress.update(done, total, label)
                }
            }
        }
        progress.finish()
        if !noArchives {
            let sizes = try Pipeline.sizes(of: model).sizes
            result.sevenZipBytes = sizes.sevenZipBytes
            result.xzBytes = sizes.xzBytes
        }
        try FileIO.writeAtomically(csvPath, bytes: Array(result.csv.utf8))
        try FileIO.writeAtomically(svgPath, bytes: Array(result.svg.utf8))
        if json { print(Output.json(result)); return }
        print(Output.table(["variant", "q", "bytes", "of .onnx", "bits/param", "top-1", "encode s", "decode s"], result.points.map { p in
            [p.variant, p.variant.hasPrefix("allocated") ? String(format: "drop %.2f", Double(p.q) / 100) : String(p.q), Output.grouped(p.bitstreamBytes), String(format: "%.2f%%", 100 * p.relativeSize),
             String(format: "%.3f", p.bitsPerParameter), String(format: "%.2f%%", 100 * p.top1),
             String(format: "%.3f", p.encodeSeconds), String(format: "%.3f", p.decodeSeconds)]
        }))
        print(String(format: "baseline top-1 %.2f%%, .onnx %@ bytes", 100 * result.baselineTop1, Output.grouped(result.onnxBytes))
              + (result.sevenZipBytes.map { ", .7z \(Output.grouped($0))" } ?? "") + (result.xzBytes.map { ", .xz \(Output.grouped($0))" } ?? ""))
        for v in result.variants {
            if let e = result.elbow(v) {
                let at = v.hasPrefix("allocated") ? String(format: "budget %.2f points", Double(e.q) / 100) : "q=\(e.q)"
                print(String(format: "elbow (%@): %@, %@ bytes (%.2f%% of .onnx), top-1 %.2f%%", v, at, Output.grouped(e.bitstreamBytes),
                             100 * e.relativeSize, 100 * e.top1))
            } else {
                print("elbow (\(v)): no step keeps top-1 within 0.1 points of the baseline")
            }
        }
        print("wrote \(csvPath) and \(svgPath)")
    }
}
