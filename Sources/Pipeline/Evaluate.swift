import ONNXIO
import Runtime
import Tensors

/// One `evaluate` job: a model on data files, with labels (accuracy) and/or a second
/// model (fidelity).
public struct EvaluateJob: Sendable {
    public var model: String
    /// `FILE` or `NAME=FILE` per graph input, bound as `ModelRun.bind` does.
    public var data: [String]
    /// A labels file (see `Labels` for the rule).
    public var labels: String?
    /// A model to compare outputs with.
    public var reference: String?
    public var batchSize = 64
    /// Only the first N samples.
    public var limit: Int?
    /// The output holding class scores (nil: the first).
    public var output: String?

    public init(model: String, data: [String]) {
        self.model = model
        self.data = data
    }
}

/// What an evaluate job measured.
public struct EvaluationReport: Codable, Sendable {
    public var model: String
    public var samples: Int
    public var top1: Double?
    public var top5: Double?
    public var meanCrossEntropy: Double?
    public var samplesPerSecond: Double?
    public var reference: String?
    public var maxAbsDiff: Double?
    public var meanAbsDiff: Double?
    public var meanCosineSimilarity: Double?
    public var top1Agreement: Double?
}

/// Inputs bound to a model's graph inputs, with their labels: what `evaluate` and `sweep` read.
public struct BoundData: Sendable {
    public var feed: [String: NDArray]
    public var labels: [Int]?
    public var samples: Int { feed.values.first?.shape.first ?? 0 }

    /// Binds `data` to `session`'s inputs, keeps the first `limit` samples, and reads
    /// `labels` by the one label rule.
    public init(session: Session, model: String, data: [String], labels: String?, limit: Int?) throws {
        feed = try ModelRun.bind(data, to: session, model: model)
        if let limit {
            for (k, v) in feed where v.shape.first ?? 0 > limit { feed[k] = v.slice(rows: 0..<limit) }
        }
        let n = feed.values.first?.shape.first ?? 0
        self.labels = try labels.map { path in
            guard var a = try ModelRun.read(path).values.first else { throw PipelineError(.noArrays, file: path, "holds no arrays") }
            if let limit, a.rank >= 1, a.shape[0] > limit { a = a.slice(rows: 0..<limit) }
            return try Labels.check(a, source: path, samples: n)
        }
    }
}

extension Pipeline {
    /// Runs `job.model` on its data: top-1/top-5/cross-entropy with labels, output
    /// differences against `job.reference`.
    public static func evaluate(_ job: EvaluateJob, progress: JobProgress? = nil) throws -> EvaluationReport {
        do {
            return try evaluateUnwrapped(job, progress: progress)
        } catch let e as PipelineError { throw e } catch let e as DataFileError { throw e } catch let e as ONNXError {
            throw e
        } catch {
            // Runtime errors name the node or input, not the model: add the model and the data.
            let text = "\(error)", prefix = job.model + ": "
            if text.hasPrefix(prefix) { throw PipelineError(.data, file: job.model, String(text.dropFirst(prefix.count))) }
            throw PipelineError(.data, file: job.model, "\(text) (data: \(job.data.joined(separator: ", ")))")
        }
    }

    private static func evaluateUnwrapped(_ job: EvaluateJob, progress: JobProgress?) throws -> EvaluationReport {
        let session = try Session(model: Model.load(path: job.model))
        let d = try BoundData(session: session, model: job.model, data: job.data, labels: job.labels, limit: job.limit)
        var r = EvaluationReport(model: job.model, samples: d.samples)
        if let ys = d.labels {
            let acc = try session.evaluate(data: d.feed, labels: ys, batchSize: job.batchSize, output: job.output) {
                progress?($0, $1, "samples")
            }
            r.top1 = acc.top1
            r.top5 = acc.top5
            r.meanCrossEntropy = acc.meanCrossEntropy
            r.samplesPerSecond = acc.samplesPerSecond
        }
        if let reference = job.reference {
            let ref = try Session(model: Model.load(path: reference))
            let f = try session.fidelity(against: ref, data: d.feed, batchSize: job.batchSize, output: job.output) {
                progress?($0, $1, "samples")
            }
            r.reference = reference
            r.maxAbsDiff = f.maxAbsDiff
            r.meanAbsDiff = f.meanAbsDiff
            r.meanCosineSimilarity = f.meanCosineSimilarity
            r.top1Agreement = f.top1Agreement
        }
        return r
    }
}
