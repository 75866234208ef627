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
}
