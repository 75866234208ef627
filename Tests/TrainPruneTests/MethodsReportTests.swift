import Foundation
import ONNXIO
import Prune
import Reports
import Testing
@testable import TrainPrune

/// `report --methods` from a tiny SeReNe run on LeNet-300: both table forms, the log's
/// s/epoch, bitstreams at both steps, and one curve per method in the SVG.
@Suite struct MethodsReportTests {
    @Test func tablesAndCurveFromATinyRun() throws {
        let r = try TrainingPruner.run(TrainPruneTests.request(.serene, "methods-serene.onnx") {
            $0.lambda = 0.01; $0.twt = 0.5; $0.targetTop1 = 0.95; $0.maxEpochs = 2
        })
        let log = try JSONEncoder().encode(r)
        let logPath = Paths.temporary("methods-serene.json")
        try log.write(to: URL(fileURLWithPath: logPath))
        let entry = try MethodEntry.load(label: "serene-lb", model: r.output, log: logPath)
        #expect(entry.log?.epochs.count == r.epochs.count)
        let test = try LabelledData.load(data: Paths.testdata("digits_test_x28.npy"), labels: Paths.testdata("digits_test_y.npy"))
        var s = MethodsReport.Settings()
        s.curveQs = [15, 6, 2]
        let report = try MethodsReport.run(baseline: try Model.load(path: Paths.testdata("lenet300.onnx")), name: "lenet300",
                                           methods: [entry], data: test, settings: s)
        #expect(report.rows.map(\.method) == ["baseline", "serene-lb"])
        let (base, pruned) = (report.rows[0], report.rows[1])
        #expect(base.neurons == "[300]-[100]-[10]")
        #expect(abs(base.compressionRatio - 1) < 1e-9 && base.pruningRatio == 0)
        #expect(pruned.compressionRatio > 1.2)
        #expect(abs(pruned.pruningRatio - (1 - 1 / pruned.compressionRatio)) < 1e-9)
        #expect(pruned.onnxBytes <= base.onnxBytes)
        #expect(pruned.secondsPerEpoch! > 0 && pruned.epochs == r.epochs.count && base.secondsPerEpoch == nil)
        #expect(pruned.bitstreams.map(\.step) == ["2^-15", "2^-7.5"])
        #expect(pruned.bitstreams[0].bytes < base.bitstreams[0].bytes)
        #expect(pruned.bitstreams[1].bytes < pruned.bitstreams[0].bytes)
        #expect(report.curve.points.count == 6)
        #expect(report.curve.variants == ["baseline", "serene-lb"])
        let md = report.markdown
        #expect(md.contains("| serene-lb |") && md.contains("Table 7.1") && md.contains("bitstream at 2^-7.5"))
        #expect(report.svg.hasPrefix("<svg") && report.svg.contains(">serene-lb</text>"))
    }

    @Test func badLogIsNamed() throws {
        let path = Paths.temporary("not-a-log.json")
        try Data("{\"x\": 1}".utf8).write(to: URL(fileURLWithPath: path))
        #expect { try MethodEntry.load(label: "x", model: Paths.testdata("lenet300.onnx"), log: path) } throws: { e in
            (e as? ReportError)?.kind == .log && (e as? ReportError)?.location == path
        }
    }
}
