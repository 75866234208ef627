import Foundation
import Synchronization
import Testing
@testable import Codec
import ONNXIO
import TestSupport

private let root: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// Largest-first ordered work and the header-only unit listing that feeds it.
@Suite("largest-first scheduling and header-only listing")
struct ScheduleTests {
    private struct Failure: Error, Equatable { var index: Int }

    @Test("with costs the two largest jobs start first; results are still consumed in job order")
    func largestFirst() throws {
        let costs = [1, 50, 2, 40, 3, 30, 4, 5]
        let started = Mutex<[Int]>([])
        var consumed: [Int] = []
        try ParallelWork.ordered(count: costs.count, threads: 2, costs: costs, { i -> Int in
            started.withLock { $0.append(i) }
            usleep(3000)
            return i * 7
        }, consume: { i, v in
            #expect(v == i * 7)
            consumed.append(i)
        })
        #expect(consumed == Array(0..<costs.count))
        let order = started.withLock { $0 }
        #expect(order.count == costs.count)
        #expect(Set(order.prefix(2)) == [1, 3])
    }

    @Test("the pool's runner goes to the threads - 1 largest jobs when the largest bounds the makespan, else to none")
    func sharingJobs() {
        // LeNet-300: fc1 235,200 of 266,610 elements; fc2 30,000 beside it.
        let lenet = [235_200, 300, 30_000, 100, 1_000, 10]
        #expect(ParallelWork.sharingJobs(costs: lenet, threads: 2) == [0])
        #expect(ParallelWork.sharingJobs(costs: lenet, threads: 4) == [0, 2, 4])
        #expect(ParallelWork.sharingJobs(costs: lenet, threads: 1) == [])
        #expect(ParallelWork.sharingJobs(costs: [10, 10, 10, 10], threads: 2) == [])
        #expect(ParallelWork.sharingJobs(costs: [10, 40, 20], threads: 2) == [1])
        #expect(ParallelWork.sharingJobs(costs: [10, 80, 20], threads: 3) == [1, 2])
        #expect(ParallelWork.sharingJobs(costs: [], threads: 2) == [])
    }

    @Test("with costs the first error in job order is rethrown, though a later job failed first", arguments: [2, 4])
    func firstError(threads: Int) {
        let costs = (0..<100).map { $0 }   // job 99 starts first
        #expect(throws: Failure(index: 5)) {
            try ParallelWork.ordered(count: 100, threads: threads, costs: costs, { i -> Int in
                if i == 5 || i == 90 { throw Failure(index: i) }
                return i
            }, consume: { _, _ in })
        }
    }

    private func stream() throws -> [UInt8] {
        let model = try Model.load(path: root + "/testdata/lenet300.onnx")
        var o = EncodeOptions(q: 8)
        o.threads = 1
        return try ModelEncoder(options: o).encode(model).bytes
    }

    private func units(_ bytes: [UInt8], headerOnly: Bool) -> Result<[NNRUnit], any Error> {
        Result {
            var out: [NNRUnit] = []
            try NNRBitstream.readUnits(bytes, headerOnly: headerOnly) { unit, _ in
                var u = unit
                if case .compressedData(var ndu) = u.body { ndu.payload = []; u.body = .compressedData(ndu) }
                out.append(u)
            }
            return out
        }
    }

    @Test("a header-only listing finds the units a full read finds, and the same error on damaged streams")
    func headerOnly() throws {
        let bytes = try stream()
        let full = try units(bytes, headerOnly: false).get()
        #expect(full.contains { $0.size > NNRUnitSyntax.headerPrefix })   // fc1 takes the short path
        #expect(try units(bytes, headerOnly: true).get() == full)
        var rng = SeededRandom(seed: 1517)
        for trial in 0..<60 {
            var bad = bytes
            if trial % 2 == 0 {
                bad = Array(bad.prefix(Int(rng.next() % UInt64(bytes.count - 1)) + 1))
            } else {
                // Flip a bit in the first bytes of some unit: where the headers are.
                let unit = full[Int(rng.next() % UInt64(full.count))]
                let at = unit.byteOffset + Int(rng.next() % UInt64(min(unit.size, 64)))
                bad[at] ^= UInt8(1 << (rng.next() % 8))
            }
            switch (units(bad, headerOnly: false), units(bad, headerOnly: true)) {
            case (.success(let a), .success(let b)): #expect(a == b, "trial \(trial)")
            case (.failure(let a), .failure(let b)): #expect("\(a)" == "\(b)", "trial \(trial)")
            case (let a, let b): Issue.record("trial \(trial): full and header-only reads disagree: \(a) vs \(b)")
            }
        }
    }
}
