import Foundation

extension MethodsReport {
    /// The seed thesis's Table 5.1 form: per-layer remaining parameters and neurons,
    /// compression, the simplified model as .onnx → .7z, s/epoch and top-1.
    public var table51: String {
        var lines = ["| method | remaining params per layer (%) | compression | neurons per layer | simplified .onnx → .7z (bytes) | s/epoch | epochs | top-1 |",
                     "|---|---|---:|---|---:|---:|---:|---:|"]
        for r in rows {
            let seven = r.sevenZipBytes.map { " → \($0)" } ?? ""
            lines.append("| \(r.method) | \(r.remainingPercent.map { Self.percent($0) }.joined(separator: " / ")) | "
                         + String(format: "%.1f×", r.compressionRatio) + " | \(r.neurons) | \(r.onnxBytes)\(seven) | "
                         + (r.secondsPerEpoch.map { String(format: "%.2f", $0) } ?? "") + " | " + (r.epochs.map(String.init) ?? "") + " | "
                         + String(format: "%.2f%%", 100 * r.top1) + " |")
        }
        return lines.joined(separator: "\n")
    }

    /// The seed thesis's Table 7.1 form: pruning ratio, simplified topology size and the
    /// bitstream size (and its top-1) at each table step.
    public var table71: String {
        let steps = rows.first?.bitstreams.map(\.step) ?? []
        var lines = ["| method | pruning ratio | topology .onnx (bytes) | " + steps.map { "bitstream at \($0) (bytes, top-1)" }.joined(separator: " | ") + " |",
                     "|---|---:|---:|" + steps.map { _ in "---:" }.joined(separator: "|") + "|"]
        for r in rows {
            let cells = r.bitstreams.map { "\($0.bytes) (" + String(format: "%.2f%%", 100 * $0.top1) + ")" }
            lines.append("| \(r.method) | " + String(format: "%.2f%%", 100 * r.pruningRatio) + " | \(r.onnxBytes) | " + cells.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }

    public var markdown: String {
        "Table 5.1 form (`\(model)`, layers \(layers.joined(separator: ", ")), top-1 on \(samples) samples):\n\n" + table51
            + "\n\nTable 7.1 form (steps at qp density 2; the baseline .onnx is \(baselineOnnxBytes) bytes):\n\n" + table71 + "\n"
    }

    /// Fig. 7.3: top-1 against the bitstream size relative to the baseline .onnx, one line per method.
    public var svg: String { curve.svg }

    static func percent(_ v: Double) -> String { v >= 10 ? String(format: "%.0f", v) : v >= 1 ? String(format: "%.1f", v) : String(format: "%.2f", v) }
}
