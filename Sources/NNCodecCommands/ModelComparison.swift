import Archives
import Codec
import Foundation
import ONNXIO
import Prune
import Runtime

/// A before/after report of pruning or simplification, laid out like the seed papers'
/// tables: per-layer remaining parameters and neurons, the neurons as `[159]-[75]-[10]`,
/// the compression ratio, file sizes and accuracy.
struct ModelComparison: Codable {
    struct Layer: Codable {
        var name: String
        var op: String
        var shapeBefore: [Int]
        var shapeAfter: [Int]
        var parameters: Int
        /// Non-zero parameters left.
        var remaining: Int
        var remainingPercent: Double
        var neuronsBefore: Int
        var neuronsAfter: Int
    }

    struct Accuracy: Codable {
        var split: String
        var samples: Int
        var top1Before: Double
        var top1After: Double
        var lossBefore: Double
        var lossAfter: Double
    }

    var layers: [Layer] = []
    var neuronsBefore = ""
    var neuronsAfter = ""
    /// Floating-point parameters of the original model, and non-zero ones left.
    var parametersBefore = 0
    var parametersAfter = 0
    var compressionRatio = 0.0
    var onnxBytesBefore = 0
    var onnxBytesAfter = 0
    var sevenZipBytesBefore: Int?
    var sevenZipBytesAfter: Int?
    var accuracy: [Accuracy] = []
    /// Largest |output difference| on the data (simplify only).
    var maxAbsDifference: Double?

    /// - Parameters:
    ///   - physical: count neurons that exist (simplify) rather than those with a non-zero
    ///     parameter (prune).
    ///   - splits: the data sets to report accuracy on, with their names.
    init(before: Model, after: Model, physical: Bool, sizes: Bool, splits: [(String, LabelledData)],
         fidelity: LabelledData? = nil) throws {
        let b = try WeightedLayer.stats(before), a = try WeightedLayer.stats(after)
        let byName = Dictionary(a.map { ($0.name, $0) }, uniquingKeysWith: { x, _ in x })
        for l in b {
            let r = byName[l.name]
            let remaining = r?.nonzero ?? 0
            layers.append(Layer(name: l.name, op: l.op, shapeBefore: l.weightShape, shapeAfter: r?.weightShape ?? [],
                                parameters: l.parameters, remaining: remaining,
                                remainingPercent: 100 * Double(remaining) / Double(max(l.parameters, 1)),
                                neuronsBefore: l.neurons, neuronsAfter: r.map { physical ? $0.neurons : $0.liveNeurons } ?? 0))
        }
        neuronsBefore = layers.map { "[\($0.neuronsBefore)]" }.joined(separator: "-")
        neuronsAfter = layers.map { "[\($0.neuronsAfter)]" }.joined(separator: "-")
        parametersBefore = try ParameterCount(before).total
        parametersAfter = try ParameterCount(after).nonzero
        compressionRatio = Double(parametersBefore) / Double(max(parametersAfter, 1))
        let bb = before.inlined().serialized(), ab = after.inlined().serialized()
        onnxBytesBefore = bb.count
        onnxBytesAfter = ab.count
        if sizes {
            sevenZipBytesBefore = try SizeReport.measure(bb, name: "model.onnx").sevenZipBytes
            sevenZipBytesAfter = try SizeReport.measure(ab, name: "model.onnx").sevenZipBytes
        }
        for (name, d) in splits {
            let r0 = try d.evaluate(before), r1 = try d.evaluate(after)
            accuracy.append(Accuracy(split: name, samples: d.count, top1Before: r0.top1, top1After: r1.top1,
                                     lossBefore: r0.meanCrossEntropy, lossAfter: r1.meanCrossEntropy))
        }
        if let fidelity {
            let s0 = try Session(model: before), s1 = try Session(model: after)
            maxAbsDifference = try s1.fidelity(against: s0, data: [s0.inputNames[0]: fidelity.inputs]).maxAbsDiff
        }
    }

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
