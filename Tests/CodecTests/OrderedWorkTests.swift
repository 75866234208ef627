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

    @Test("a job's items go to the pool's workers: each runs once, no thread beyond the pool, results in order",
          arguments: [2, 4])
    func sharedItems(threads: Int) throws {
        let seen = Mutex<(items: [Int: Int], threads: Set<UInt>)>(([:], []))
        var results: [Int] = []
        try ParallelWork.ordered(count: 5, threads: threads, costs: [100, 1, 1, 1, 1], { i, runner -> Int in
            seen.withLock { _ = $0.threads.insert(UInt(pthread_self())) }
            guard i == 0, let runner else { return i }
            runner(64) { item in
                seen.withLock { s in
                    s.items[item, default: 0] += 1
                    s.threads.insert(UInt(pthread_self()))
                }
                usleep(200)
            }
            return 1000
        }, consume: { _, v in results.append(v) })
        let s = seen.withLock { $0 }
        #expect(results == [1000, 1, 2, 3, 4])
        #expect(s.items.count == 64 && s.items.values.allSatisfy { $0 == 1 })
        #expect(s.threads.count <= threads)
    }
}
