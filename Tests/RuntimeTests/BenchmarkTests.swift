import Foundation
import Testing
import ONNXIO
@testable import Runtime

/// Throughput at batch 64 (opt-in: NNC_RUNTIME_BENCH=1; meaningful in release builds:
/// `NNC_RUNTIME_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter RuntimeTests.BenchmarkTests`).
@Suite(.serialized) struct BenchmarkTests {
    static let enabled = ProcessInfo.processInfo.environment["NNC_RUNTIME_BENCH"] == "1"

    @Test(.enabled(if: enabled && FileManager.default.fileExists(atPath: ModelTests.manifestPath)))
    func throughputBatch64() throws {
        for e in ModelTests.entries {
            let x = try NPY.read(path: TestPaths.testdata(e.dataFile))
            let n = min(64, x.shape[0])
            let batch = [e.inputName: x.slice(rows: 0..<n)]
            for (strategy, parallel) in (ProcessInfo.processInfo.environment["NNC_RUNTIME_BENCH_ALL"] == "1"
                                     ? [(RuntimeThreading.ConvStrategy.perImage, true), (.batched, true), (.perImage, false)]
                                     : [(RuntimeThreading.ConvStrategy.perImage, true)]) {
                let session = try Session(path: TestPaths.testdata(e.file), options: .init(convStrategy: strategy, parallel: parallel))
                _ = try session.run(inputs: batch)
                let clock = ContinuousClock()
                var runs = 0
                let t0 = clock.now
                while clock.now - t0 < .seconds(2) || runs < 3 {
                    _ = try session.run(inputs: batch)
                    runs += 1
                }
                let dt = clock.now - t0
                let s = Double(dt.components.seconds) + Double(dt.components.attoseconds) * 1e-18
                print("BENCH \(e.name) batch \(n) conv \(strategy) parallel=\(parallel): \(Int(Double(runs * n) / s)) samples/s (\(runs) runs)")
            }
        }
    }
}

extension BenchmarkTests {
    /// Time per operator type over a few batch-64 runs (opt-in like the benchmark).
    @Test(.enabled(if: enabled && FileManager.default.fileExists(atPath: ModelTests.manifestPath)))
    func profileBatch64() throws {
        for e in ModelTests.entries {
            let session = try Session(path: TestPaths.testdata(e.file))
            let x = try NPY.read(path: TestPaths.testdata(e.dataFile))
            let batch = [e.inputName: x.slice(rows: 0..<min(64, x.shape[0]))]
            var perOp: [String: Duration] = [:]
            let obs = RunObserver(nodeFinished: { i, d in perOp[session.nodes[i].opType ?? "?", default: .zero] += d }, freed: nil)
            for _ in 0..<5 { _ = try session.execute(inputs: batch, outputs: nil, overrides: [:], observer: obs) }
            let total = perOp.values.reduce(Duration.zero, +)
            let lines = perOp.sorted { $0.value > $1.value }.prefix(8).map { "\($0.key) \(Int(Double($0.value / total) * 100))%" }
            print("PROFILE \(e.name): \(lines.joined(separator: ", "))")
        }
    }
}
