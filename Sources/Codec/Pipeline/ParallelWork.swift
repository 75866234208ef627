import Dispatch
import Synchronization

/// Runs independent jobs on a fixed number of threads, largest first.
///
/// Each worker takes the next job from one shared queue ordered by decreasing cost, so a
/// large tensor starts at once and the small ones fill in around it (longest-processing-
/// time scheduling: the makespan is within 4/3 of the best possible). Results come back in
/// job order, whatever the thread count and the timing, so callers that assemble output
/// from them in that order produce identical bytes for 1, 2 or 4 threads.
public enum ParallelWork {
    /// The number of cores this process may use (at least 1).
    public static var defaultThreads: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// `body(i)` for every job `i` in `0..<costs.count`, at most `threads` at a time, in
    /// decreasing order of `costs[i]` (ties: lower index first). Every job runs even if
    /// another throws; the returned array holds each job's result in index order.
    package static func map<T: Sendable>(costs: [Int], threads: Int,
                                         _ body: @Sendable (Int) throws -> T) -> [Result<T, any Error>] {
        let order = costs.indices.sorted { costs[$0] != costs[$1] ? costs[$0] > costs[$1] : $0 < $1 }
        let workers = max(1, min(threads, order.count))
        if workers == 1 {
            var results = [Result<T, any Error>?](repeating: nil, count: costs.count)
            for i in order { results[i] = Result { try body(i) } }
            return results.map { $0! }
        }
        let state = Mutex(Shared<T>(count: costs.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let next = state.withLock { s -> Int? in
                    guard s.taken < order.count else { return nil }
                    s.taken += 1
                    return order[s.taken - 1]
                }
                guard let i = next else { return }
                let r = Result { try body(i) }
                state.withLock { $0.results[i] = r }
            }
        }
        return state.withLock { s in s.results.map { $0! } }
    }

    private struct Shared<T> {
        var taken = 0
        var results: [Result<T, any Error>?]
        init(count: Int) { results = Array(repeating: nil, count: count) }
    }
}

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
