import Dispatch
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
            let price: (Int) -> InitSetOptimizer = { sets in
                CABACEncoder.scannedInitSets(l, scan: scan, rowIsZero: [], dq: true, layout: layout, sets: sets, limit: 7000)
            }
            let whole = InitSetOptimizer.priced(runner: nil, price)
            #expect(whole.costs == price(InitSetOptimizer.allSets).costs)
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
        var parallel = CABACEncoder()
        parallel.segmentRunner = Self.concurrent
        try parallel.encodeTensor(levels, rowWidth: width, options: options)
        #expect(parallel.finish() == serial.finish())
    }
}
