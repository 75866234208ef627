import Archives
import Codec
import Foundation
import ONNXIO
import Prune
import Runtime

/// A model pruned by one method (e.g. `prune --method serene`), with its training log.
public struct MethodEntry: Sendable {
    public var label: String
    public var model: Model
    public var log: TrainingLog?

    public init(label: String, model: Model, log: TrainingLog? = nil) {
        self.label = label
        self.model = model
        self.log = log
    }
}

/// The part of a training-time pruning log (`prune --method … --json`) the report reads.
public struct TrainingLog: Sendable, Codable, Equatable {
    public struct Epoch: Sendable, Codable, Equatable { public var seconds: Double }
    public var seconds: Double
    public var epochs: [Epoch]

    public static func decode(_ bytes: [UInt8], source: String) throws -> TrainingLog {
        do { return try JSONDecoder().decode(TrainingLog.self, from: Data(bytes)) } catch {
            throw ReportError(.log, source, "not a training-time pruning log (the JSON per-epoch log a training-time pruning run writes): \(error)")
        }
    }

    /// Mean seconds of a learning epoch (pruning stages excluded).
    public var secondsPerEpoch: Double? { epochs.isEmpty ? nil : epochs.map(\.seconds).reduce(0, +) / Double(epochs.count) }
}

/// One encoding of a method's simplified model at one step.
public struct MethodBitstream: Sendable, Codable, Equatable {
    /// "2^-15", "2^-7.5", …
    public var step: String
    public var qp: Int
    public var bytes: Int
    public var top1: Double
}

/// One method's row: the seed's Table 5.1 columns and its Table 7.1 columns.
public struct MethodRow: Sendable, Codable, Equatable {
    public var method: String
    /// Non-zero parameters left per weighted layer, in percent of the baseline's.
    public var remainingPercent: [Double]
    /// Live neurons per weighted layer, as "[164]-[78]-[10]".
    public var neurons: String
    /// Baseline parameters / non-zero parameters.
    public var compressionRatio: Double
    /// Share of the baseline's parameters removed (Table 7.1's pruning ratio).
    public var pruningRatio: Double
    /// The simplified model (Table 7.1's topology size) and its .7z.
    public var onnxBytes: Int
    public var sevenZipBytes: Int?
    public var secondsPerEpoch: Double?
    public var epochs: Int?
    public var top1: Double
    public var bitstreams: [MethodBitstream]
}

/// `nncodec report --methods`: the seed thesis's Table 5.1 and Table 7.1 forms and its
/// Fig. 7.3 (top-1 vs compression rate per method over a range of steps).
public struct MethodsReport: Sendable, Codable {
    public var model: String
    public var layers: [String]
    public var samples: Int
    public var baselineOnnxBytes: Int
    public var rows: [MethodRow]
    /// Fig. 7.3: one variant per method; relative sizes are against the baseline .onnx.
    public var curve: SweepResult

    public struct Settings: Sendable {
        /// Table 7.1's steps: label and qp at qp density 2 (2^-15 → qp −60, 2^-7.5 → qp −30).
        public var steps: [(label: String, qp: Int)] = [("2^-15", -60), ("2^-7.5", -30)]
        /// Fig. 7.3's steps 2^-q.
        public var curveQs: [Int] = Array((0...15).reversed())
        public var sevenZip = true
        public var batchSize = 64
        public init() {}
    }

    /// Simplifies every method's model (the baseline is the first row), measures it, encodes
    /// it at the table steps and along the curve, and evaluates each decoded model on `data`.
    public static func run(baseline: Model, name: String, methods: [MethodEntry], data: LabelledData, settings: Settings,
                           progress: ((Int, Int, String) -> Void)? = nil) throws -> MethodsReport {
        let base = try WeightedLayer.stats(baseline)
        let baseParams = try ParameterCount(baseline).total
        let baseBytes = baseline.inlined().serialized().count
        let entries = [MethodEntry(label: "baseline", model: baseline)] + methods
        let total = entries.count * (2 + settings.steps.count + settings.curveQs.count)
        var done = 0
        func tick(_ label: String) { done += 1; progress?(done, total, label) }
        var rows: [MethodRow] = []
        var points: [SweepPoint] = []
        var baselineTop1 = 0.0
        for (k, e) in entries.enumerated() {
            let m = k == 0 ? baseline : try simplified(e)
            tick("\(e.label): simplify")
            let stats = Dictionary(try WeightedLayer.stats(m).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            let params = try ParameterCount(m).nonzero
            let onnx = m.inlined().serialized()
            let seven = settings.sevenZip ? try SizeReport.measure(onnx, name: "model.onnx").sevenZipBytes : nil
            let top1 = try Session(model: m).evaluate(data: data.inputs, labels: data.labels, batchSize: settings.batchSize).top1
            if k == 0 { baselineTop1 = top1 }
            tick("\(e.label): top-1")
            var streams: [MethodBitstream] = []
            for s in settings.steps {
                let (bytes, t1) = try encoded(m, qp: s.qp, name: name, data: data, batchSize: settings.batchSize)
                streams.append(MethodBitstream(step: s.label, qp: s.qp, bytes: bytes, top1: t1))
                tick("\(e.label): \(s.label)")
            }
            for q in settings.curveQs {
                let qp = QuantStep.qp(powerOfTwo: q, qpDensity: 2)
                let (bytes, t1) = try encoded(m, qp: qp, name: name, data: data, batchSize: settings.batchSize)
                points.append(SweepPoint(variant: e.label, q: q, qp: qp, bitstreamBytes: bytes,
                                         relativeSize: Double(bytes) / Double(max(baseBytes, 1)), bitsPerParameter: Double(bytes * 8) / Double(max(params, 1)),
                                         top1: t1, top5: nil, encodeSeconds: 0, decodeSeconds: 0))
                tick("\(e.label): 2^-\(q)")
            }
            rows.append(MethodRow(method: e.label,
                                  remainingPercent: base.map { 100 * Double(stats[$0.name]?.nonzero ?? 0) / Double(max($0.parameters, 1)) },
                                  neurons: base.map { "[\(stats[$0.name]?.liveNeurons ?? 0)]" }.joined(separator: "-"),
                                  compressionRatio: Double(baseParams) / Double(max(params, 1)),
                                  pruningRatio: 1 - Double(params) / Double(max(baseParams, 1)), onnxBytes: onnx.count, sevenZipBytes: seven,
                                  secondsPerEpoch: e.log?.secondsPerEpoch, epochs: e.log?.epochs.count, top1: top1, bitstreams: streams))
        }
        let curve = SweepResult(model: name + ", per method", onnxBytes: baseBytes, sevenZipBytes: nil, xzBytes: nil,
                                baselineTop1: baselineTop1, baselineTop5: nil, points: points)
        return MethodsReport(model: name, layers: base.map(\.name), samples: data.count, baselineOnnxBytes: baseBytes, rows: rows, curve: curve)
    }

    static func simplified(_ e: MethodEntry) throws -> Model {
        do { return try Simplifier.simplify(e.model).0 } catch {
            throw ReportError(.model, e.label, "could not be simplified: \(error)")
        }
    }

    static func encoded(_ m: Model, qp: Int, name: String, data: LabelledData, batchSize: Int) throws -> (Int, Double) {
        var options = EncodeOptions()
        options.qpDensity = 2
        options.qp = qp
        let bytes = try ModelEncoder(options: options).encode(m).bytes
        let decoded = try ModelDecoder.decode(bytes, source: name).model
        return (bytes.count, try Session(model: decoded).evaluate(data: data.inputs, labels: data.labels, batchSize: batchSize).top1)
    }
}

extension MethodEntry {
    /// Reads a pruned model and, if given, its training log (`prune --method … --json`).
    public static func load(label: String, model: String, log: String?) throws -> MethodEntry {
        let m = try Model.load(path: model)
        guard let log else { return MethodEntry(label: label, model: m) }
        guard let data = FileManager.default.contents(atPath: log) else { throw ReportError(.log, log, "cannot be read") }
        return MethodEntry(label: label, model: m, log: try TrainingLog.decode(Array(data), source: log))
    }
}
