import Codec
import Foundation
import ONNXIO
import Prune
import Runtime

/// One row of a comparison report: a variant of the model (baseline or pruned, each as
/// .onnx and encoded) with its per-layer shape, sizes and accuracy.
public struct ReportRow: Sendable, Codable, Equatable {
    public var variant: String
    /// Non-zero parameters left per weighted layer, in percent of the original.
    public var remainingPercent: [Double]
    /// Neurons (output units/channels) per weighted layer, as "[159]-[75]-[10]".
    public var neurons: String
    public var parameters: Int
    /// Original parameters / non-zero parameters of this variant.
    public var compressionRatio: Double
    public var onnxBytes: Int
    public var sevenZipBytes: Int?
    public var bitstreamBytes: Int?
    public var bitsPerParameter: Double?
    public var top1: Double
    public var top5: Double?
    public var encodeSeconds: Double?
    public var decodeSeconds: Double?
}

public struct ComparisonReport: Sendable, Codable, Equatable {
    public var model: String
    public var layers: [String]
    public var encode: EncodeOptions
    public var samples: Int
    public var rows: [ReportRow]

    public struct Settings: Sendable {
        public var encode = EncodeOptions(q: 8)
        /// LOBSTER's tolerated loss increase for both pruning criteria (nil: no pruned rows).
        public var twt: Double? = 0.05
        public var structuredScore: NeuronScore = .activation
        /// Inputs for least-squares compensation of the structured row (nil: no compensation).
        public var calibration: NDArray? = nil
        public var sevenZip = true
        public var batchSize = 64
        public init() {}
    }

    /// Builds the report: baseline, unstructured-pruned and structured-pruned (each
    /// simplified), and each of them encoded and decoded. Pruning searches on the first half
    /// of the data; accuracy is reported on all of it.
    public static func run(model: Model, name: String, data: LabelledData, settings: Settings,
                           progress: ((Int, Int, String) -> Void)? = nil) throws -> ComparisonReport {
        let baseParams = try ParameterCount(model).total
        var variants: [(String, Model)] = [("baseline", model)]
        let total = (settings.twt == nil ? 1 : 3) * 2
        var step = 0
        func tick(_ label: String) { step += 1; progress?(step, total, label) }
        if let twt = settings.twt {
            let validation = data.halves().validation
            for (criterion, label) in [(Criterion.unstructured, "unstructured"), (.structured, "structured")] {
                var o = PruneOptions(criterion: criterion, target: .twt(twt))
                if criterion == .structured {
                    o.score = settings.structuredScore
                    o.compensate = settings.calibration != nil
                }
                let pruned = try Pruner.prune(model, options: o, validation: validation,
                                              calibration: criterion == .structured ? settings.calibration : nil).0
                let simplified = try Simplifier.simplify(pruned).0
                variants.append(("\(label) pruned", simplified))
            }
        }
        var rows: [ReportRow] = []
        let clock = ContinuousClock()
        for (label, m) in variants {
            let layers = try Census.layers(before: model, after: m, physical: false)
            let remaining = layers.map(\.remainingPercent)
            let neurons = Census.neurons(layers.map(\.neuronsAfter))
            let params = try ParameterCount(m).nonzero
            let (onnx, seven) = try Census.sizes(m, sevenZip: settings.sevenZip)
            let acc = try Session(model: m).evaluate(data: data.inputs, labels: data.labels, batchSize: settings.batchSize)
            let row = ReportRow(variant: label, remainingPercent: remaining, neurons: neurons, parameters: params,
                                compressionRatio: Census.ratio(baseParams, params), onnxBytes: onnx,
                                sevenZipBytes: seven, bitstreamBytes: nil, bitsPerParameter: nil, top1: acc.top1, top5: acc.top5,
                                encodeSeconds: nil, decodeSeconds: nil)
            rows.append(row)
            tick(label)
            var encoded: (bytes: [UInt8], report: EncodeReport)!
            let te = try clock.measure { encoded = try ModelEncoder(options: settings.encode).encode(m) }
            var decoded: Model!
            let td = try clock.measure { decoded = try ModelDecoder.decode(encoded.bytes, source: name).model }
            let dacc = try Session(model: decoded).evaluate(data: data.inputs, labels: data.labels, batchSize: settings.batchSize)
            var enc = row
            enc.variant = label + " + NNC"
            enc.bitstreamBytes = encoded.bytes.count
            enc.bitsPerParameter = Census.ratio(encoded.bytes.count * 8, params)
            enc.top1 = dacc.top1
            enc.top5 = dacc.top5
            enc.encodeSeconds = te.seconds
            enc.decodeSeconds = td.seconds
            rows.append(enc)
            tick(enc.variant)
        }
        return ComparisonReport(model: name, layers: try WeightedLayer.stats(model).map(\.name), encode: settings.encode, samples: data.count, rows: rows)
    }
}

extension ComparisonReport {
    private static let header = ["variant", "remaining params per layer (%)", "compression", "neurons per layer", ".onnx bytes",
                                 ".7z bytes", "bitstream bytes", "bits/param", "top-1", "top-5", "encode s", "decode s"]

    private func cells(_ r: ReportRow) -> [String] {
        [r.variant, r.remainingPercent.map { String(format: "%.1f", $0) }.joined(separator: " / "),
         String(format: "%.2f×", r.compressionRatio), r.neurons, String(r.onnxBytes), r.sevenZipBytes.map(String.init) ?? "",
         r.bitstreamBytes.map(String.init) ?? "", r.bitsPerParameter.map { String(format: "%.3f", $0) } ?? "",
         String(format: "%.2f%%", 100 * r.top1), r.top5.map { String(format: "%.2f%%", 100 * $0) } ?? "",
         r.encodeSeconds.map { String(format: "%.3f", $0) } ?? "", r.decodeSeconds.map { String(format: "%.3f", $0) } ?? ""]
    }

    public var markdown: String {
        var lines = ["| " + Self.header.joined(separator: " | ") + " |",
                     "|" + Self.header.enumerated().map { $0.offset < 2 || $0.offset == 3 ? "---" : "---:" }.joined(separator: "|") + "|"]
        for r in rows { lines.append("| " + cells(r).joined(separator: " | ") + " |") }
        let e = encode
        lines.append("")
        lines.append("Model `\(model)`; layers \(layers.joined(separator: ", ")); top-1 on \(samples) samples; "
                     + "encoded at qp \(e.qp) (Δ = \(e.weightStep))\(e.dependentQuantization ? " with dependent quantization" : ""); "
                     + "pruning searched on the first half of the data.")
        return lines.joined(separator: "\n")
    }

    public var csv: String {
        func q(_ s: String) -> String { s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s }
        var lines = [Self.header.map(q).joined(separator: ",")]
        for r in rows { lines.append(cells(r).map { q($0.replacingOccurrences(of: "×", with: "").replacingOccurrences(of: "%", with: "")) }.joined(separator: ",")) }
        return lines.joined(separator: "\n") + "\n"
    }
}
