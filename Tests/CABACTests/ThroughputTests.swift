import Foundation
import Testing
@testable import CABAC

/// Throughput of the bin loops; runs only with NNC_PERF=1 (use `swift test -c release`).
@Suite("Throughput", .enabled(if: ProcessInfo.processInfo.environment["NNC_PERF"] != nil))
struct ThroughputTests {
    static func levels(count: Int, scale: Double, seed: UInt64) -> [Int32] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            // Gaussian weights quantized: typical of qp -38..-32 on a trained layer.
            let u1 = Double.random(in: Double.ulpOfOne..<1, using: &rng), u2 = Double.random(in: 0..<1, using: &rng)
            return Int32(((-2 * log(u1)).squareRoot() * cos(2 * .pi * u2) * scale).rounded())
        }
    }

    @Test("encode and decode MB/s of float32 weights", arguments: [(1.5, false), (1.5, true), (20.0, false), (20.0, true)])
    func throughput(scale: Double, dq: Bool) throws {
        let count = 1 << 22
        var levels = Self.levels(count: count, scale: scale, seed: 1)
        if dq { levels = DependentQuantization.reconstructionLevels(indices: levels.map { $0 / 2 }) }
        let megabytes = Double(count * 4) / 1e6
        for paramOpt in [false, true] {
            let options = TensorCodingOptions(dependentQuantization: dq, rowSkipping: true, optimizeInitialization: paramOpt)
            var bytes: [UInt8] = []
            let t0 = Date()
            var e = CABACEncoder(reserveCapacity: count)
            try e.encodeTensor(levels, rowWidth: 1024, options: options)
            bytes = e.finish()
            let t1 = Date()
            var d = CABACDecoder(bytes: bytes)
            let decoded = try d.decodeTensor(count: count, rowWidth: 1024, options: options)
            _ = try d.finish()
            let t2 = Date()
            #expect(decoded == levels)
            print(String(format: "scale %.1f dq %d paramOpt %d: %.2f bits/weight, encode %.1f MB/s, decode %.1f MB/s",
                         scale, dq ? 1 : 0, paramOpt ? 1 : 0, Double(bytes.count * 8) / Double(count),
                         megabytes / t1.timeIntervalSince(t0), megabytes / t2.timeIntervalSince(t1)))
        }
    }
}
