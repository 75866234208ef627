import Codec
import Foundation
import ONNXIO
import RateAllocation
import Runtime

extension Sweep {
    /// The allocated curve: for each top-1 drop budget of `drops` (points), the per-tensor-qp
    /// stream of `RateSearch` on `data`/`labels` (one rate table for all budgets), decoded and
    /// evaluated on the same data. Variant "allocated" (or "allocated-dq"); `q` holds the
    /// budget in hundredths of a point, `qp` the median tensor qp. Budgets that cannot be met
    /// give no point.
    public static func allocated(model: Model, onnxBytes: Int, data: NDArray, labels: [Int], drops: [Double],
                                 dependentQuantization: Bool, base: EncodeOptions = EncodeOptions(),
                                 qps: [Int] = Array(-60 ... -8),
                                 progress: ((Int, Int, String) -> Void)? = nil) throws -> [SweepPoint] {
        var encode = base
        encode.dependentQuantization = dependentQuantization
        let table = try RateTable.measure(model: model, options: encode, qps: qps)
        let validation = try ValidationData(inputs: data, labels: labels)
        var points: [SweepPoint] = []
        for (i, drop) in drops.enumerated() {
            var o = AllocationOptions(budget: .maxDrop(points: drop))
            o.qps = qps
            let clock = ContinuousClock()
            var found: (options: EncodeOptions, report: AllocationReport)?
            let ts = try clock.measure {
                do {
                    found = try RateSearch.run(model: model, encode: encode, data: validation, options: o, table: table)
                } catch let e as RateAllocationError where e.kind == .budgetUnreachable { found = nil }
            }
            progress?(i + 1, drops.count, String(format: "allocated, drop %.2f", drop))
            guard let (chosen, report) = found else { continue }
            let encoded = try ModelEncoder(options: chosen).encode(model)
            points.append(SweepPoint(variant: dependentQuantization ? "allocated-dq" : "allocated", q: Int((drop * 100).rounded()),
                                     qp: chosen.qp, bitstreamBytes: encoded.bytes.count,
                                     relativeSize: Double(encoded.bytes.count) / Double(max(onnxBytes, 1)),
                                     bitsPerParameter: encoded.report.bitsPerParameter, top1: report.achieved, top5: nil,
                                     encodeSeconds: ts.seconds, decodeSeconds: 0))
        }
        return points
    }
}
