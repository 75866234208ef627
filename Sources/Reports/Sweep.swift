import Codec
import Foundation
import ONNXIO
import Runtime

/// One encoded variant of a rate–accuracy sweep.
public struct SweepPoint: Sendable, Codable, Equatable {
    /// "uniform" or "dq".
    public var variant: String
    /// The step 2^−q.
    public var q: Int
    public var qp: Int
    public var bitstreamBytes: Int
    /// Bitstream bytes / .onnx bytes.
    public var relativeSize: Double
    public var bitsPerParameter: Double
    public var top1: Double
    public var top5: Double?
    public var encodeSeconds: Double
    public var decodeSeconds: Double
}

/// A rate–accuracy curve: the model's baseline, its general-purpose archive sizes, and one
/// point per (variant, q).
public struct SweepResult: Sendable, Codable, Equatable {
    public var model: String
    public var onnxBytes: Int
    public var sevenZipBytes: Int?
    public var xzBytes: Int?
    public var baselineTop1: Double
    public var baselineTop5: Double?
    public var points: [SweepPoint]

    /// The smallest point of `variant` whose top-1 is within `tolerance` (0.001 = 0.1
    /// points) of the baseline.
    public func elbow(_ variant: String, tolerance: Double = 0.001) -> SweepPoint? {
        points.filter { $0.variant == variant && $0.top1 >= baselineTop1 - tolerance - 1e-12 }
            .min { $0.bitstreamBytes < $1.bitstreamBytes }
    }

    public var variants: [String] {
        var seen: [String] = []
        for p in points where !seen.contains(p.variant) { seen.append(p.variant) }
        return seen
    }
}

public enum Sweep {
    /// Encodes `model` at every q of `qs` for each variant (DQ off/on), decodes, evaluates
    /// on `data`/`labels`, and returns the curve. `progress(done, total, label)` after each point.
    public static func run(model: Model, name: String, onnxBytes: Int, data: [String: NDArray], labels: [Int],
                           qs: [Int], dependentQuantization: [Bool], batchSize: Int = 64,
                           base: EncodeOptions = EncodeOptions(),
                           progress: ((Int, Int, String) -> Void)? = nil) throws -> SweepResult {
        let baseline = try Session(model: model).evaluate(data: data, labels: labels, batchSize: batchSize)
        var result = SweepResult(model: name, onnxBytes: onnxBytes, sevenZipBytes: nil, xzBytes: nil,
                                 baselineTop1: baseline.top1, baselineTop5: baseline.top5, points: [])
        let total = qs.count * dependentQuantization.count
        var done = 0
        for dq in dependentQuantization {
            for q in qs {
                var options = base
                options.qp = QuantStep.qp(powerOfTwo: q, qpDensity: options.qpDensity)
                options.dependentQuantization = dq
                let clock = ContinuousClock()
                var encoded: (bytes: [UInt8], report: EncodeReport)!
                let te = try clock.measure { encoded = try ModelEncoder(options: options).encode(model) }
                var decoded: Model!
                let td = try clock.measure { decoded = try ModelDecoder.decode(encoded.bytes, source: name).model }
                let acc = try Session(model: decoded).evaluate(data: data, labels: labels, batchSize: batchSize)
                result.points.append(SweepPoint(variant: dq ? "dq" : "uniform", q: q, qp: options.qp,
                                                bitstreamBytes: encoded.bytes.count,
                                                relativeSize: Double(encoded.bytes.count) / Double(max(onnxBytes, 1)),
                                                bitsPerParameter: encoded.report.bitsPerParameter, top1: acc.top1, top5: acc.top5,
                                                encodeSeconds: te.seconds, decodeSeconds: td.seconds))
                done += 1
                progress?(done, total, "\(dq ? "dq" : "uniform") q=\(q)")
            }
        }
        return result
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
