import Dispatch
import Foundation
import Testing
@testable import CABAC

/// The initialization-set pricing split into two halves of the shadow sets (run on two
/// threads with DQ and entry points) chooses exactly what the nine sets at once choose.
@Suite("init-set pricing split over the shadow sets")
struct InitSetSplitTests {
    @Test("low + high halves merged give the costs of all nine sets", arguments: [false, true])
    func mergedEqualsWhole(dq: Bool) {
        var seed: UInt64 = dq ? 7 : 3
        let width = 200, height = 96
        let levels: [Int32] = (0..<(width * height)).map { _ in
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            let r = Int32(truncatingIfNeeded: seed >> 33) % 9 - 4
            return dq ? r : r / 2
        }
        let scan = BlockScan(geometryOf: levels.count, width: width, scanOrder: 1)
        let layout = ContextLayout(unaryLength: 11)
        levels.withUnsafeBufferPointer { l in
            let whole = CABACEncoder.scannedInitSets(l, scan: scan, rowIsZero: [], dq: dq, layout: layout,
                                                     sets: InitSetOptimizer.allSets, limit: 5000)
            var low = CABACEncoder.scannedInitSets(l, scan: scan, rowIsZero: [], dq: dq, layout: layout,
                                                   sets: InitSetOptimizer.lowSets, limit: 5000)
            let high = CABACEncoder.scannedInitSets(l, scan: scan, rowIsZero: [], dq: dq, layout: layout,
                                                    sets: InitSetOptimizer.highSets, limit: 5000)
            #expect(low.costs != whole.costs)
            low.merge(high)
            #expect(low.costs == whole.costs)
            #expect((0..<layout.count).map { low.bestSet($0) } == (0..<layout.count).map { whole.bestSet($0) })
        }
    }

    /// Seeded levels (DQ reconstruction levels when `dq`).
    static func levels(count: Int, dq: Bool, seed start: UInt64) -> [Int32] {
        var seed = start
        return (0..<count).map { _ in
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            let r = Int32(truncatingIfNeeded: seed >> 33) % 9 - 4
            return dq ? r : r / 2
        }
    }

    /// Runs the items on several threads at once, as the pool's runner may.
    static func concurrent(_ count: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            let box = Box(body)
            DispatchQueue.concurrentPerform(iterations: count) { box.body($0) }
        }
    }

    private final class Box: @unchecked Sendable {
        let body: (Int) -> Void
        init(_ body: @escaping (Int) -> Void) { self.body = body }
    }

    @Test("priced(runner:) merges its two halves into the costs of one nine-set pass")
    func pricedHalves() {
        let layout = ContextLayout(unaryLength: 11)
        let levels = Self.levels(count: 96 * 200, dq: true, seed: 11)
        let scan = BlockScan(geometryOf: levels.count, width: 200, scanOrder: 1)
        levels.withUnsafeBufferPointer { l in
            let price: (Int, () -> Bool) -> InitSetOptimizer = { sets, _ in
                CABACEncoder.scannedInitSets(l, scan: scan, rowIsZero: [], dq: true, layout: layout, sets: sets, limit: 7000)
            }
            let whole = InitSetOptimizer.priced(runner: nil, price)
            #expect(whole.costs == price(InitSetOptimizer.allSets, { false }).costs)
            // Items one after another on one thread: the first prices all nine sets, the second nothing.
            var secondPriced = false
            let serial = InitSetOptimizer.priced(runner: { n, body in for i in 0..<n { body(i) } }) { sets, helped in
                if sets == InitSetOptimizer.highSets { secondPriced = true }
                return price(sets, helped)
            }
            #expect(serial.costs == whole.costs && !secondPriced)
            // Items in reverse: the helper prices the high half, the first item switches to the
            // low half at once; merged, the same costs.
            let helped = InitSetOptimizer.priced(runner: { n, body in for i in (0..<n).reversed() { body(i) } }) { sets, helped in
                var o = price(sets, helped)
                if sets == InitSetOptimizer.allSets { #expect(helped()); o.sets = InitSetOptimizer.lowSets }
                return o
            }
            #expect(helped.costs == whole.costs)
            let split = InitSetOptimizer.priced(runner: Self.concurrent, price)
            #expect(split.costs == whole.costs)
            #expect(split.sets == InitSetOptimizer.allSets)
        }
    }

    @Test("a row-major tensor coded with a runner (pricing halves as items) gives the same bytes",
          arguments: [false, true])
    func rowMajorWithRunner(dq: Bool) throws {
        let width = 300
        let indices = Self.levels(count: 100 * width, dq: false, seed: dq ? 5 : 9)
        let levels = dq ? DependentQuantization.reconstructionLevels(indices: indices) : indices
        var options = TensorCodingOptions(dependentQuantization: dq, rowSkipping: true, optimizeInitialization: true)
        options.initializationSearchLimit = 16384
        var serial = CABACEncoder()
        try serial.encodeTensor(levels, rowWidth: width, options: options)
        let expected = serial.finish()
        // Concurrent items; items in reverse (the helper first: the pass prices sets 0...4 only);
        // a helper arriving mid-pass (the first item switches to sets 0...4 there).
        let late: SegmentRunner = { n, body in
            withoutActuallyEscaping(body) { body in
                let box = Box(body)
                let group = DispatchGroup()
                DispatchQueue.global().async(group: group) { usleep(300); box.body(1) }
                box.body(0)
                group.wait()
            }
        }
        for runner in [Self.concurrent, { n, body in for i in (0..<n).reversed() { body(i) } }, late] as [SegmentRunner] {
            var parallel = CABACEncoder()
            parallel.segmentRunner = runner
            try parallel.encodeTensor(levels, rowWidth: width, options: options)
            #expect(parallel.finish() == expected)
        }
    }
}
