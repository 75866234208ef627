import Foundation
import Testing
@testable import Codec
import ONNXIO
import Synchronization
import TestSupport

private let root: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

private let models = ["lenet300.onnx", "lenet300_ext.onnx", "lenet5.onnx", "resnet_small.onnx", "concat_dw.onnx", "tiny_bert.onnx"]

private func options(_ setting: String, threads: Int) -> EncodeOptions {
    var o = EncodeOptions(q: 8)
    switch setting {
    case "dq": o.dependentQuantization = true
    case "lossless": o = EncodeOptions(q: 4); o.losslessNonWeights = true
    case "rdoq": o.lambda = 0.5
    default: break
    }
    o.threads = threads
    return o
}

@Suite("thread-count independence")
struct ThreadingTests {
    @Test("encode: byte-identical streams and reports for 1, 2 and 4 threads",
          arguments: models.map { ($0, "dq") } + [("lenet5.onnx", "uniform"), ("resnet_small.onnx", "lossless"), ("concat_dw.onnx", "rdoq")])
    func encode(_ name: String, setting: String) throws {
        let model = try Model.load(path: root + "/testdata/" + name)
        let one = try ModelEncoder(options: options(setting, threads: 1)).encode(model)
        for n in [2, 4] {
            let many = try ModelEncoder(options: options(setting, threads: n)).encode(model)
            #expect(many.bytes == one.bytes, "\(n) threads")
            #expect(many.report.tensors == one.report.tensors, "\(n) threads")
        }
    }

    @Test("decode: identical tensors and reports for 1, 2 and 4 threads", arguments: models)
    func decode(_ name: String) throws {
        let model = try Model.load(path: root + "/testdata/" + name)
        let stream = try ModelEncoder(options: options("dq", threads: 2)).encode(model).bytes
        let one = try ModelDecoder.decode(stream, source: name, threads: 1)
        for n in [2, 4] {
            let many = try ModelDecoder.decode(stream, source: name, threads: n)
            #expect(many.model == one.model, "\(n) threads")
            #expect(many.report == one.report, "\(n) threads")
        }
    }

    @Test("a damaged stream gives the same first error with 1 and 4 threads")
    func sameError() throws {
        let model = try Model.load(path: root + "/testdata/lenet5.onnx")
        let stream = try ModelEncoder(options: options("uniform", threads: 2)).encode(model).bytes
        var rng = SeededRandom(seed: 15)
        for trial in 0..<40 {
            var bad = stream
            if trial % 2 == 0 {
                bad = Array(bad.prefix(Int(rng.next() % UInt64(stream.count - 1)) + 1))
            } else {
                let at = Int(rng.next() % UInt64(stream.count))
                bad[at] ^= UInt8(1 << (rng.next() % 8))
            }
            let e1 = Result { try ModelDecoder.decode(bad, source: "d.nnc", threads: 1) }
            let e4 = Result { try ModelDecoder.decode(bad, source: "d.nnc", threads: 4) }
            switch (e1, e4) {
            case (.success(let a), .success(let b)): #expect(a.model == b.model, "trial \(trial)")
            case (.failure(let a), .failure(let b)): #expect("\(a)" == "\(b)", "trial \(trial)")
            default: Issue.record("trial \(trial): one thread and four disagree on success: \(e1) vs \(e4)")
            }
        }
    }

    @Test("info reads sizes, shapes and qps from the headers: the same as a full decode reports", arguments: models)
    func summary(_ name: String) throws {
        let model = try Model.load(path: root + "/testdata/" + name)
        let stream = try ModelEncoder(options: options("dq", threads: 2)).encode(model).bytes
        let summary = try StreamSummary(stream, source: name)
        let decoded = try ModelDecoder.decode(stream, source: name).report
        #expect(summary.tensors.map(\.name) == decoded.tensors.map(\.name))
        #expect(summary.tensors.map(\.bytes) == decoded.tensors.map(\.bytes))
        #expect(summary.tensors.map(\.qp) == decoded.tensors.map(\.qp))
        #expect(summary.tensors.map(\.shape) == decoded.tensors.map(\.shape))
        #expect(summary.tensors.map(\.dependentQuantization) == decoded.tensors.map(\.dependentQuantization))
        #expect(summary.units == decoded.units)
    }

    @Test("the scheduler runs every job once, largest first on one thread, results in job order")
    func scheduler() {
        let costs = [3, 9, 1, 9, 5]
        let order = Mutex<[Int]>([])
        let results = ParallelWork.map(costs: costs, threads: 1) { i in order.withLock { $0.append(i) }; return i * 10 }
        #expect(order.withLock { $0 } == [1, 3, 4, 0, 2])
        #expect(results.map { try? $0.get() } == [0, 10, 20, 30, 40])
        let parallel = ParallelWork.map(costs: Array(repeating: 1, count: 100), threads: 4) { i in i }
        #expect(parallel.map { try? $0.get() } == Array(0..<100))
    }
}

