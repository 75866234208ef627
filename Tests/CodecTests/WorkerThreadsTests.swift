import Foundation
import Synchronization
import Testing
@testable import Codec

/// The coding threads run at the priority of the thread that asked for the work.
@Suite("worker threads")
struct WorkerThreadsTests {
    private struct Seen { var nice: Set<Int32> = []; var threads: Set<UInt> = [] }

    /// Runs `body` on a thread of its own (raising its nice value must not slow other tests)
    /// and returns the caller's nice value there.
    private func onOwnThread(_ body: @escaping @Sendable (Int32) -> Void) -> Int32 {
        let done = DispatchSemaphore(value: 0)
        let nice = Mutex<Int32>(0)
        let thread = Thread {
            let base = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
            let target = min(base + 3, 19)   // raising it is always allowed
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, target)
            let now = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
            nice.withLock { $0 = now }
            body(now)
            done.signal()
        }
        thread.start()
        done.wait()
        return nice.withLock { $0 }
    }

    private static func record(_ seen: borrowing Mutex<Seen>) {
        let nice = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        let tid = UInt(pthread_self())
        seen.withLock { s in
            s.nice.insert(nice)
            s.threads.insert(tid)
        }
        usleep(2000)
    }

    @Test("map and ordered: every worker runs at the calling thread's nice value", arguments: [2, 4])
    func inheritsNice(threads: Int) throws {
        let seen = Mutex(Seen())
        let caller = onOwnThread { _ in
            _ = ParallelWork.map(costs: [8, 7, 6, 5, 4, 3, 2, 1], threads: threads) { _ in Self.record(seen) }
            try? ParallelWork.ordered(count: 8, threads: threads, { _ in Self.record(seen) }, consume: { _, _ in })
            try? ParallelWork.ordered(count: 8, threads: threads, costs: [1, 2, 3, 4, 5, 6, 7, 8], { _ in Self.record(seen) },
                                      consume: { _, _ in })
        }
        let s = seen.withLock { $0 }
        #expect(s.nice == [caller])
        #expect(s.threads.count >= 2)
    }

    @Test("run: every index once, index 0 on the calling thread")
    func everyIndexOnce() {
        let calls = Mutex<[Int: UInt]>([:])
        let me = UInt(pthread_self())
        WorkerThreads.run(5) { i in
            calls.withLock { c in
                #expect(c[i] == nil)
                c[i] = UInt(pthread_self())
            }
        }
        let c = calls.withLock { $0 }
        #expect(c.keys.sorted() == [0, 1, 2, 3, 4])
        #expect(c[0] == me)
        #expect(c.filter { $0.value == me }.count == 1)
    }
}
