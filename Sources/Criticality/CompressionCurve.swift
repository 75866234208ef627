import Foundation
import ONNXIO
import Runtime

/// The patent's compression experiment (Figs. 8–10): top-1 after static unstructured pruning
/// to each sparsity, by SHC (global), global magnitude and layer-wise magnitude.
public struct CurvePoint: Sendable, Codable, Equatable {
    public var sparsity: Double
    public var capacity: Double
    public var globalMagnitude: Double
    public var layerMagnitude: Double
}

public enum CompressionCurve {
    public static let defaultSparsities: [Double] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95]

    public static func run(model: Model, analysis: CapacityAnalysis, inputs: NDArray, labels: [Int],
                           sparsities: [Double] = defaultSparsities, progress: ((Int, Int) -> Void)? = nil) throws -> [CurvePoint] {
        let ev = try Evaluator(model: model, analysis: analysis, inputs: inputs, labels: labels)
        let shc = ScorePruning.scores(analysis, .capacity), mag = ScorePruning.scores(analysis, .magnitude)
        return try sparsities.enumerated().map { i, s in
            progress?(i, sparsities.count)
            func acc(_ sc: [[Double]], _ per: Bool) throws -> Double {
                try ev.top1(ScorePruning.zeroed(analysis, ScorePruning.selection(sc, sparsity: s, perLayer: per)))
            }
            return CurvePoint(sparsity: s, capacity: try acc(shc, false), globalMagnitude: try acc(mag, false),
                              layerMagnitude: try acc(mag, true))
        }
    }

    public static func csv(_ points: [CurvePoint]) -> String {
        "sparsity,shc_top1,global_magnitude_top1,layer_magnitude_top1\n" + points.map {
            String(format: "%.2f,%.4f,%.4f,%.4f", $0.sparsity, $0.capacity, $0.globalMagnitude, $0.layerMagnitude)
        }.joined(separator: "\n") + "\n"
    }

    /// A line plot of top-1 (%) against sparsity (%) for the three rankings.
    public static func svg(_ points: [CurvePoint], title: String) -> String {
        let (w, h, l, r, t, b) = (640.0, 400.0, 60.0, 170.0, 40.0, 50.0)
        func x(_ s: Double) -> Double { l + s * (w - l - r) }
        func y(_ a: Double) -> Double { t + (1 - a) * (h - t - b) }
        var out = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" font-family=\"sans-serif\" font-size=\"12\">",
                   "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
                   "<text x=\"\(Int(l))\" y=\"24\" font-size=\"14\">\(title.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;"))</text>"]
        for k in 0...10 {
            let v = Double(k) / 10
            out.append(String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>", l, y(v), w - r, y(v)))
            out.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%d</text>", l - 6, y(v) + 4, k * 10))
            out.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%d</text>", x(v), h - b + 18, k * 10))
        }
        out.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">sparsity (%%)</text>", (l + w - r) / 2, h - 8))
        out.append(String(format: "<text x=\"14\" y=\"%.1f\" transform=\"rotate(-90 14 %.1f)\" text-anchor=\"middle\">top-1 (%%)</text>", (t + h - b) / 2, (t + h - b) / 2))
        let series: [(String, String, KeyPath<CurvePoint, Double>)] = [("SHC (global)", "#d62728", \.capacity),
            ("global magnitude", "#1f77b4", \.globalMagnitude), ("layer-wise magnitude", "#2ca02c", \.layerMagnitude)]
        for (i, (name, color, key)) in series.enumerated() {
            let pts = points.map { String(format: "%.1f,%.1f", x($0.sparsity), y($0[keyPath: key])) }.joined(separator: " ")
            out.append("<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(pts)\"/>")
            for p in points { out.append(String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%@\"/>", x(p.sparsity), y(p[keyPath: key]), color)) }
            out.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" fill=\"%@\">%@</text>", w - r + 10, t + 20 + Double(i) * 18, color, name))
        }
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }
}
