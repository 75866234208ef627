import Codec
import Foundation
import ONNXIO
import Pipeline
import Prune
import Runtime
import Testing
import TestSupport

/// The decode, evaluate, convert, info, prune and simplify jobs: what a Swift program gets
/// from one call each.
@Suite struct JobTests {
    static let x = TestData.path("digits_test_x28.npy"), y = TestData.path("digits_test_y.npy")

    @Test func encodeDecodeEvaluateRoundTrip() throws {
        let dir = try EncodeJobTests.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = TestData.path("lenet300.onnx")
        _ = try Pipeline.encode(EncodeJob(model: model, output: dir + "/l.nnc", options: EncodeOptions(q: 8)))
        let d = try Pipeline.decode(DecodeJob(input: dir + "/l.nnc", output: dir + "/l.onnx"))
        #expect(d.report.tensors.count == 6 && d.onnxBytes == FileIO.size(dir + "/l.onnx"))
        var eval = EvaluateJob(model: dir + "/l.onnx", data: [Self.x])
        eval.labels = Self.y
        eval.reference = model
        let r = try Pipeline.evaluate(eval)
        #expect(r.samples == 450)
        let top1 = try #require(r.top1), agree = try #require(r.top1Agreement), diff = try #require(r.maxAbsDiff)
        #expect(abs(top1 - 0.9756) < 0.01 && agree > 0.98 && diff > 0 && diff < 0.5)
    }

    @Test func evaluateLimitsSamplesAndLabels() throws {
        var eval = EvaluateJob(model: TestData.path("lenet300.onnx"), data: [Self.x])
        eval.labels = Self.y
        eval.limit = 100
        #expect(try Pipeline.evaluate(eval).samples == 100)
    }

    @Test func emptyStreamIsAPipelineError() throws {
        let dir = try EncodeJobTests.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        FileManager.default.createFile(atPath: dir + "/e.nnc", contents: Data())
        #expect(throws: PipelineError(.emptyFile, file: dir + "/e.nnc", "file is empty (expected an NNC bitstream)")) {
            try Pipeline.decode(DecodeJob(input: dir + "/e.nnc", output: dir + "/e.onnx"))
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/e.onnx"))
    }

    @Test func convertMovesTensorsOutAndInfoSummarizesBoth() throws {
        let dir = try EncodeJobTests.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var job = ConvertJob(input: TestData.path("lenet300.onnx"), output: dir + "/c.onnx")
        job.externalData = .externalize(thresholdBytes: 1024)
        let r = try Pipeline.convert(job)
        #expect(r.dataFile != nil && r.outputBytes + (r.dataFileBytes ?? 0) > 1_066_000)
        guard case .model(let s) = try Pipeline.info(dir + "/c.onnx") else { Issue.record("not a model summary"); return }
        #expect(s.parameters == 266_610 && s.externalTensors > 0)
    }

    @Test func pruneThenSimplifyReportsOneComparison() throws {
        let dir = try EncodeJobTests.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var job = PruneJob(model: TestData.path("lenet300.onnx"), output: dir + "/p.onnx",
                           method: .magnitude(PruneOptions(criterion: .structured, target: .sparsity(0.5))))
        job.data = try LabelledData.load(data: Self.x, labels: Self.y)
        job.measureSizes = false
        let p = try Pipeline.prune(job)
        #expect(p.comparison.accuracy.map(\.split) == ["validation, first half", "held out, second half"])
        var s = SimplifyJob(model: dir + "/p.onnx", output: dir + "/s.onnx")
        s.data = Self.x
        s.measureSizes = false
        let r = try Pipeline.simplify(s)
        #expect(r.comparison.accuracy.isEmpty)       // no labels given: no accuracy, no invented labels
        #expect(try #require(r.comparison.maxAbsDifference) < 1e-4)
        #expect(r.comparison.neuronsAfter == p.comparison.neuronsAfter)
    }

    @Test func labelsFollowOneRule() throws {
        let floats = NDArray(shape: [3], floats: [0, 1, 2])
        #expect(throws: DataFileError(file: "y.npy", message: "labels must be integers, not float32")) {
            try Labels.check(floats, source: "y.npy")
        }
        #expect(throws: DataFileError(file: "y.npy", message: "label -1 at index 1 is not a class index (expected ≥ 0)")) {
            try Labels.check(NDArray(shape: [2], int64s: [3, -1]), source: "y.npy")
        }
        #expect(throws: DataFileError(file: "y.npy", message: "2 labels for 3 samples in the data")) {
            try Labels.check(NDArray(shape: [2, 1], int64s: [3, 1]), source: "y.npy", samples: 3)
        }
        #expect(try Labels.check(NDArray(shape: [2, 1], int64s: [3, 1]), source: "y.npy") == [3, 1])
    }
}

/// The one seeded split: the same rows for LabelledData (prune, report) and the training jobs.
@Suite struct SplitTests {
    @Test func labelledDataSplitsLikeTheTrainingJobs() throws {
        let d = try LabelledData.load(data: JobTests.x, labels: JobTests.y)
        let (train, validation) = d.split(validationFraction: 0.1, seed: 7)
        let rows = SeededSplit.rows(count: 450, validationFraction: 0.1, seed: 7)
        #expect(validation.count == 45 && train.count == 405)
        #expect(validation.labels == rows.validation.map { d.labels[$0] })
        #expect(Set(rows.train).isDisjoint(with: rows.validation) && Set(rows.train + rows.validation).count == 450)
        let inner = 28 * 28, first = rows.validation[0]
        #expect(Array(validation.inputs.floats[0..<inner]) == Array(d.inputs.floats[(first * inner)..<((first + 1) * inner)]))
        #expect(SeededSplit.rows(count: 450, validationFraction: 0.1, seed: 8).validation != rows.validation)
    }
}
