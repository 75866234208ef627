import Reports
import Pipeline

/// The text form of a before/after comparison.
extension ModelComparison {
    func table() -> String {
        func shape(_ s: [Int]) -> String { "[" + s.map(String.init).joined(separator: ", ") + "]" }
        var rows: [[String]] = []
        for l in layers {
            let sh = l.shapeBefore == l.shapeAfter ? shape(l.shapeBefore) : shape(l.shapeBefore) + " → " + shape(l.shapeAfter)
            rows.append([l.name, l.op, sh, Output.grouped(l.parameters), String(format: "%.2f%%", l.remainingPercent),
                         "\(l.neuronsBefore) → \(l.neuronsAfter)"])
        }
        var out = [Output.table(["layer", "op", "weight shape", "parameters", "remaining", "neurons"], rows)]
        out.append("neurons     \(neuronsBefore) → \(neuronsAfter)")
        out.append(String(format: "parameters  %@ → %@ non-zero (compression %.2fx)", Output.grouped(parametersBefore),
                          Output.grouped(parametersAfter), compressionRatio))
        var sizes = String(format: ".onnx       %@ → %@ bytes (%.2fx smaller)", Output.grouped(onnxBytesBefore),
                           Output.grouped(onnxBytesAfter), Double(onnxBytesBefore) / Double(max(onnxBytesAfter, 1)))
        if let s0 = sevenZipBytesBefore, let s1 = sevenZipBytesAfter {
            sizes += String(format: "\n.7z         %@ → %@ bytes (%.2fx smaller)", Output.grouped(s0), Output.grouped(s1),
                            Double(s0) / Double(max(s1, 1)))
        }
        out.append(sizes)
        for a in accuracy {
            out.append(String(format: "top-1       %@ (%d): %.2f%% → %.2f%% (loss %.4f → %.4f)", a.split, a.samples,
                              100 * a.top1Before, 100 * a.top1After, a.lossBefore, a.lossAfter))
        }
        if let d = maxAbsDifference { out.append(String(format: "max |Δ output| %.3g", d)) }
        return out.joined(separator: "\n")
    }
}
