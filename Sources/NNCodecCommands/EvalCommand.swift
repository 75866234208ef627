import ArgumentParser
import Foundation
import ONNXIO
import Runtime

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

    struct Result: Codable {
        var model: String
        var samples: Int
        var top1: Double?
        var top5: Double?
        var meanCrossEntropy: Double?
        var samplesPerSecond: Double?
        var reference: String?
        var maxAbsDiff: Double?
        var meanAbsDiff: Double?
        var meanCosineSimilarity: Double?
        var top1Agreement: Double?
    }

    func run() throws {
        let r = try evaluate()
        if json { print(Output.json(r)); return }
        var line = "\(r.model): \(r.samples) samples"
        if let t = r.top1 { line += String(format: ", top-1 %.2f%%", 100 * t) }
        if let t = r.top5 { line += String(format: ", top-5 %.2f%%", 100 * t) }
        if let l = r.meanCrossEntropy { line += String(format: ", loss %.4f", l) }
        if let s = r.samplesPerSecond { line += String(format: ", %.0f samples/s", s) }
        print(line)
        if let ref = r.reference {
            print(String(format: "vs %@: max |diff| %.3e, mean |diff| %.3e, cosine %.6f, top-1 agreement %.2f%%",
                         ref, r.maxAbsDiff ?? 0, r.meanAbsDiff ?? 0, r.meanCosineSimilarity ?? 0, 100 * (r.top1Agreement ?? 0)))
        }
    }

    /// Reads one data file, naming it in any error.
    static func read(_ path: String) throws -> [String: NDArray] {
        guard FileIO.exists(path) else { throw CommandError("\(path): no such file (check the --data/--labels path)") }
        do {
            if path.hasSuffix(".npz") { return try NPY.readArchive(path: path) }
            if path.hasSuffix(".pb") {
                let t = try Tensor.load(path: path)
                return [t.name ?? "": try NDArray(tensor: t)]
            }
            return ["": try NPY.read(path: path)]
        } catch let e as CommandError {
            throw e
        } catch {
            let text = "\(error)"
            throw CommandError(text.contains(path) ? text : "\(path): \(text)")
        }
    }

    func inputs(for session: Session) throws -> [String: NDArray] {
        var feed: [String: NDArray] = [:]
        for spec in data {
            if let eq = spec.firstIndex(of: "="), !FileIO.exists(spec) {
                let name = String(spec[..<eq]), path = String(spec[spec.index(after: eq)...])
                guard session.inputNames.contains(name) else {
                    throw CommandError("\(model): has no input '\(name)' (inputs: \(session.inputNames.joined(separator: ", ")))")
                }
                guard let a = try Self.read(path).values.first else { throw CommandError("\(path): holds no arrays") }
                feed[name] = a
            } else {
                let arrays = try Self.read(spec)
                if arrays.count == 1, let a = arrays.values.first, !session.inputNames.contains(arrays.keys.first!) {
                    // bound by position: the first input not yet given
                    guard let name = session.inputNames.first(where: { feed[$0] == nil }) else {
                        throw CommandError("\(spec): more data files than the model has inputs (\(session.inputNames.count))")
                    }
                    feed[name] = a
                } else {
                    for (k, v) in arrays where session.inputNames.contains(k) { feed[k] = v }
                }
            }
        }
        if let missing = session.inputNames.first(where: { feed[$0] == nil }) {
            throw CommandError("\(model): no data for input '\(missing)' (pass --data \(missing)=FILE)")
        }
        if let limit {
            for (k, v) in feed where v.shape.first ?? 0 > limit { feed[k] = v.slice(rows: 0..<limit) }
        }
        return feed
    }

    func evaluate() throws -> Result {
        do {
            return try evaluateUnwrapped()
        } catch let e as CommandError {
            throw e
        } catch let e as ONNXError {
            throw e
        } catch {
            throw CommandError("\(model): \(error) (data: \(data.joined(separator: ", ")))")
        }
    }

    private func evaluateUnwrapped() throws -> Result {
        let session = try Session(model: Model.load(path: model))
        let feed = try inputs(for: session)
        let samples = feed.values.first?.shape.first ?? 0
        var result = Result(model: model, samples: samples)
        let progress = Progress("evaluating")
        if let labels {
            let arrays = try Self.read(labels)
            guard let y = arrays.values.first else { throw CommandError("\(labels): holds no arrays") }
            guard y.elementType != .float32 else { throw CommandError("\(labels): labels must be integers, not float32") }
            var ys = y.int64s.map { Int($0) }
            if let limit, ys.count > limit { ys = Array(ys.prefix(limit)) }
            guard ys.count == samples else {
                throw CommandError("\(labels): \(ys.count) labels for \(samples) samples in the data")
            }
            let acc = try session.evaluate(data: feed, labels: ys, batchSize: batch, output: output) { done, total in
                progress.update(done, total, "samples")
            }
            progress.finish()
            result.top1 = acc.top1
            result.top5 = acc.top5
            result.meanCrossEntropy = acc.meanCrossEntropy
            result.samplesPerSecond = acc.samplesPerSecond
        }
        if let reference {
            let ref = try Session(model: Model.load(path: reference))
            let f = try session.fidelity(against: ref, data: feed, batchSize: batch, output: output) { done, total in
                progress.update(done, total, "samples")
            }
            progress.finish()
            result.reference = reference
            result.maxAbsDiff = f.maxAbsDiff
            result.meanAbsDiff = f.meanAbsDiff
            result.meanCosineSimilarity = f.meanCosineSimilarity
            result.top1Agreement = f.top1Agreement
        }
        return result
    }
}
