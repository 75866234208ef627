import Codec
import Foundation
import ONNXIO

extension RateSearch {
    /// The search with and without dependent quantization; the smaller stream wins (ties go
    /// to DQ off, the cheaper decoder). Probes, table encodes and seconds of both searches
    /// are reported, so the search cost stays honest.
    static func choosingDependentQuantization(model: Model, encode: EncodeOptions, data: ValidationData,
                                              heldOut: ValidationData?, options: AllocationOptions,
                                              progress: ((String) -> Void)?) throws
        -> (options: EncodeOptions, report: AllocationReport) {
        let start = Date()
        var single = options
        single.chooseDependentQuantization = false
        var results: [(options: EncodeOptions, report: AllocationReport)] = []
        for dq in [false, true] {
            var e = encode
            e.dependentQuantization = dq
            let label = dq ? "DQ on" : "DQ off"
            results.append(try run(model: model, encode: e, data: data, heldOut: heldOut, options: single,
                                   progress: progress.map { p in { p("\(label): " + $0) } }))
        }
        let pick = results[1].report.bytes < results[0].report.bytes ? 1 : 0
        var (chosen, report) = results[pick]
        let other = results[1 - pick].report
        report.probes = other.probes.map { var p = $0; p.phase = "other DQ " + p.phase; return p } + report.probes
        report.tableEncodes += other.tableEncodes
        report.fisherSeconds += other.fisherSeconds
        report.meanEncodeSeconds = (report.meanEncodeSeconds + other.meanEncodeSeconds) / 2
        report.meanEvaluationSeconds = (report.meanEvaluationSeconds + other.meanEvaluationSeconds) / 2
        report.dependentQuantization = pick == 1
        report.otherModeBytes = other.bytes
        report.seconds = Date().timeIntervalSince(start)
        progress?("dependent quantization \(pick == 1 ? "on" : "off"): \(report.bytes) bytes against \(other.bytes)")
        return (chosen, report)
    }
}
