import Codec
import ONNXIO
import RateAllocation
import Runtime
import Testing
import TestSupport

@Suite struct RateSearchTests {
    /// The first `n` digits test images with labels.
    static func digits(_ n: Int) throws -> ValidationData {
        let all = try ValidationData.load(data: TestData.path("digits_test_x28.npy"), labels: TestData.path("digits_test_y.npy"))
        return try ValidationData(inputs: all.inputs.slice(rows: 0..<n), labels: Array(all.labels!.prefix(n)))
    }

    @Test func allocationMeetsTheBudgetAndDecodes() throws {
        let model = try Model.load(path: TestData.path("concat_dw.onnx"))
        let data = try Self.digits(120)
        var a = AllocationOptions(budget: .maxDrop(points: 1))
        a.qps = Array(stride(from: -40, through: -8, by: 2))
        a.bisectionSteps = 6
        a.greedyEvaluations = 3
        let (options, report) = try RateSearch.run(model: model, encode: EncodeOptions(), data: data, options: a)
        #expect(report.evaluations >= 2)
        #expect(report.baseline - report.achieved <= 0.01 + 1e-9)
        #expect(report.tensors.count == options.tensorQps?.count)
        // The chosen stream, decoded by our decoder alone, meets the budget on the same data.
        let (bytes, _) = try ModelEncoder(options: options).encode(model)
        let decoded = try ModelDecoder.decode(bytes, source: "test").model
        let top1 = try Session(model: decoded).evaluate(data: data.inputs, labels: data.labels!).top1
        #expect(report.baseline - top1 <= 0.01 + 1e-9)
        #expect(abs(top1 - report.achieved) < 1e-12)
        // Smaller than the uniform stream at the finest qp of the grid, which also meets it.
        var finest = EncodeOptions()
        finest.qp = -40
        finest.carryTopology = false
        #expect(report.bytes < (try ModelEncoder(options: finest).encode(model).bytes.count))
        // Different tensors got different steps (the point of the allocation).
        #expect(Set(report.tensors.map(\.qp)).count > 1)
    }

    @Test func unreachableBudgetIsOneClearError() throws {
        let model = try Model.load(path: TestData.path("concat_dw.onnx"))
        var a = AllocationOptions(budget: .maxDrop(points: 0))
        a.qps = [-4]
        #expect {
            _ = try RateSearch.run(model: model, encode: EncodeOptions(), data: try Self.digits(60), options: a)
        } throws: { e in (e as? RateAllocationError)?.kind == .budgetUnreachable }
    }

    @Test func mismatchedLabelsAndEmptyDataAreRefused() throws {
        let x = NDArray(shape: [3, 1, 28, 28], floats: [Float](repeating: 0, count: 3 * 784))
        #expect(throws: RateAllocationError(.invalidData, "data", "2 labels for 3 samples; give one label per sample")) {
            _ = try ValidationData(inputs: x, labels: [0, 1])
        }
        #expect(throws: RateAllocationError.self) {
            _ = try ValidationData(inputs: NDArray(shape: [0, 4], floats: []), labels: nil)
        }
    }

    @Test func labelFreeBudgetNeedsNoLabels() throws {
        let model = try Model.load(path: TestData.path("concat_dw.onnx"))
        let d = try Self.digits(60)
        var a = AllocationOptions(budget: .minAgreement(0.98))
        a.qps = Array(stride(from: -36, through: -12, by: 4))
        a.bisectionSteps = 4
        a.greedyEvaluations = 2
        let (_, report) = try RateSearch.run(model: model, encode: EncodeOptions(),
                                             data: try ValidationData(inputs: d.inputs, labels: nil), options: a)
        #expect(report.achieved >= 0.98)
    }

    @Test func choosingDependentQuantizationKeepsTheSmallerSearch() throws {
        let model = try Model.load(path: TestData.path("concat_dw.onnx"))
        let d = try Self.digits(60)
        var a = AllocationOptions(budget: .maxDrop(points: 2))
        a.qps = Array(stride(from: -36, through: -12, by: 4))
        a.bisectionSteps = 3
        a.greedyEvaluations = 2
        a.uniformEvaluations = 2
        var single: [Bool: AllocationReport] = [:]
        for dq in [false, true] {
            var e = EncodeOptions()
            e.dependentQuantization = dq
            single[dq] = try RateSearch.run(model: model, encode: e, data: d, options: a).report
        }
        a.chooseDependentQuantization = true
        let (options, report) = try RateSearch.run(model: model, encode: EncodeOptions(), data: d, options: a)
        let off = single[false]!.bytes, on = single[true]!.bytes
        #expect(report.bytes == min(off, on))
        #expect(report.otherModeBytes == max(off, on))
        #expect(report.dependentQuantization == (on < off))
        #expect(options.dependentQuantization == (on < off))
        #expect(report.evaluations == single[false]!.evaluations + single[true]!.evaluations)
        #expect(report.probes.contains { $0.phase.hasPrefix("other DQ ") })
        // The stream written is the reported one.
        var o = options
        o.carryTopology = false
        #expect(try ModelEncoder(options: o).encode(model).bytes.count == report.bytes)
    }
}
