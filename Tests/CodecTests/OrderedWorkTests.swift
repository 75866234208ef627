import Foundation
import Synchronization
import Testing
@testable import Codec

/// `ParallelWork.ordered`: results consumed in order, and a bounded number of them pending.
@Suite("ordered parallel work")
struct OrderedWorkTests {
    private struct Counters { var started = 0; var consumed = 0; var worst = 0 }

    @Test("a slow consumer never has more than 2 × threads jobs taken and not consumed", arguments: [2, 4])
    func bounded(threads: Int) throws {
        let counters = Mutex(Counters())
        var order: [Int] = []
        try ParallelWork.ordered(count: 64, threads: threads, { i -> Int in
            counters.withLock { c in
                c.started += 1
                c.worst = max(c.worst, c.started - c.consumed)
            }
            return i * i
        }, consume: { i, v in
            #expect(v == i * i)
            order.append(i)
            usleep(2000)   // the disk write of a large tensor
            counters.withLock { $0.consumed += 1 }
        })
        #expect(order == Array(0..<64))
        #expect(counters.withLock { $0.worst } <= 2 * threads)
    }

    private struct Failure: Error, Equatable { var index: Int }

    @Test("the first error in job order is rethrown, from a job or from the consumer, without hanging", arguments: [2, 4])
    func firstError(threads: Int) {
        #expect(throws: Failure(index: 5)) {
            try ParallelWork.ordered(count: 200, threads: threads, { i -> Int in
                if i == 5 || i == 9 { throw Failure(index: i) }
                return i
            }, consume: { _, _ in usleep(500) })
        }
        #expect(throws: Failure(index: 3)) {
            try ParallelWork.ordered(count: 200, threads: threads, { $0 }, consume: { i, _ in
                if i == 3 { throw Failure(index: i) }
            })
        }
    }
}
