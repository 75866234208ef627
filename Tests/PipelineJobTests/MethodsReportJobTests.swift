import Foundation
import Pipeline
import Reports
import Testing
import TestSupport

/// `Pipeline.methodsReport`, the library call behind `report --methods`: files in, the
/// Table 5.1 / 7.1 rows out; a method's missing log is named.
@Suite struct MethodsReportJobTests {
    @Test func baselineBesideAMethod() throws {
        var job = MethodsReportJob(baseline: TestData.path("lenet300.onnx"), data: TestData.path("digits_test_x28.npy"),
                                   labels: TestData.path("digits_test_y.npy"),
                                   methods: [.init(label: "same", model: TestData.path("lenet300.onnx"))])
        job.settings.curveQs = [15]
        job.settings.sevenZip = false
        let ticks = Ticks()
        let r = try Pipeline.methodsReport(job) { _, _, _ in ticks.add() }
        #expect(r.rows.map(\.method) == ["baseline", "same"])
        #expect(r.rows[0].neurons == "[300]-[100]-[10]" && r.rows[1].neurons == r.rows[0].neurons)
        #expect(r.rows[1].bitstreams.map(\.bytes) == r.rows[0].bitstreams.map(\.bytes))
        #expect(ticks.count > 0)
    }

    @Test func missingLogIsNamed() throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-log-\(getpid()).json").path
        let job = MethodsReportJob(baseline: TestData.path("lenet300.onnx"), data: TestData.path("digits_test_x28.npy"),
                                   labels: TestData.path("digits_test_y.npy"),
                                   methods: [.init(label: "x", model: TestData.path("lenet300.onnx"), log: log)])
        let e = #expect(throws: ReportError.self) { try Pipeline.methodsReport(job) }
        #expect(e?.kind == .log && e?.location == log)
    }
}

/// Counts progress calls from a `@Sendable` closure.
final class Ticks: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func add() { lock.lock(); n += 1; lock.unlock() }
    var count: Int { lock.lock(); defer { lock.unlock() }; return n }
}
