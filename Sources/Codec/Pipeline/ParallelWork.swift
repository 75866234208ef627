import CABAC
import Synchronization

/// Runs independent jobs on a fixed number of threads, largest first.
///
/// Each worker takes the next job from one shared queue ordered by decreasing cost, so a
/// large tensor starts at once and the small ones fill in around it (longest-processing-
/// time scheduling: the makespan is within 4/3 of the best possible). Results come back in
/// job order, whatever the thread count and the timing, so callers that assemble output
/// from them in that order produce identical bytes for 1, 2 or 4 threads. The calling
/// thread is one of the workers; the others are `WorkerThreads`, at the caller's priority.
public enum ParallelWork {
    /// The number of cores this process may use (at least 1).
    public static var defaultThreads: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// Models with at most this many bytes of tensor data are coded largest tensor first when
    /// streamed (the results may then wait in memory for the smaller tensors before them).
    public static let largestFirstBytes = 512 << 20

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
        WorkerThreads.run(workers) { _ in
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

extension ParallelWork {
    /// `body(i, runner)` for `i` in `0..<count` on `threads` workers, taken in index order,
    /// with `consume(i, result)` called once per job strictly in index order (never two at
    /// once) as soon as the job and all before it are done; each result is released after
    /// its `consume`. At most `2 × threads` jobs are taken and not yet consumed: a worker
    /// waits before taking more, so a slow `consume` (a disk write) cannot let finished
    /// results pile up, and memory stays bounded by that window. The first error (of `body`
    /// in index order, or of `consume`) stops the taking of new jobs and is rethrown.
    ///
    /// With `costs` (one per job) the jobs are taken largest first (ties: lower index first)
    /// and there is no window: for work that fits in memory, where the finished results may
    /// wait for the smaller jobs before them, and the last job taken is a small one.
    /// `consume` still runs in index order.
    ///
    /// `runner` (nil with one thread) hands items of a job — the rows of blocks of a big
    /// tensor — to the same workers: a worker without a job to take runs them before taking
    /// the next job, so no core idles while the big tensor's rows wait and no extra thread
    /// shares a core with the other jobs.
    package static func ordered<T: Sendable>(count: Int, threads: Int, costs: [Int]? = nil,
                                             _ body: @Sendable (Int, SegmentRunner?) throws -> T,
                                             consume: (Int, T) throws -> Void) throws {
        if threads <= 1 || count == 0 {
            for i in 0..<count { try consume(i, try body(i, nil)) }
            return
        }
        let order = costs.map { c in (0..<count).sorted { c[$0] != c[$1] ? c[$0] > c[$1] : $0 < $1 } } ?? Array(0..<count)
        let queue = WorkQueue()
        let state = Ordered<T>(count: count, window: costs == nil ? 2 * threads : count)
        withoutActuallyEscaping(consume) { consume in
            let consumeBox = UnsafeSendableBox(consume)
            WorkerThreads.run(threads) { _ in
                while let action = queue.monitor.locked({ state.next(queue, order: order) }) {
                    switch action {
                    case .item(let item):
                        queue.run(item)
                    case .job(let i):
                        let r = Result { try body(i, queue.runner) }
                        // Whoever completes the next job in order drains the ready prefix.
                        var batch = queue.monitor.locked {
                            state.running -= 1
                            state.ready[i] = r
                            queue.monitor.broadcast()
                            return state.takeReady()
                        }
                        while !batch.isEmpty {
                            var failure: (any Error)? = nil
                            var consumed = 0
                            for (j, result) in batch where failure == nil {
                                do { try consumeBox.value(j, try result.get()) } catch { failure = error }
                                consumed += 1
                            }
                            batch = queue.monitor.locked {
                                state.tokens += consumed
                                if let failure, state.failure == nil { state.failure = failure }
                                state.consuming = false
                                queue.monitor.broadcast()
                                return state.takeReady()
                            }
                        }
                    }
                }
            }
        }
        if let failure = queue.monitor.locked({ state.failure }) { throw failure }
    }

    /// `ordered` for jobs that hand no items to the pool.
    package static func ordered<T: Sendable>(count: Int, threads: Int, costs: [Int]? = nil, _ body: @Sendable (Int) throws -> T,
                                             consume: (Int, T) throws -> Void) throws {
        try ordered(count: count, threads: threads, costs: costs, { i, _ in try body(i) }, consume: consume)
    }

    /// What a worker does next.
    private enum Action { case item((SharedItems, Int)), job(Int) }

    /// The scheduling state of `ordered`, guarded by its queue's monitor.
    private final class Ordered<T>: @unchecked Sendable {
        let count: Int
        var taken = 0
        var consumed = 0
        var consuming = false
        /// Jobs that may still be taken before one is consumed (the window).
        var tokens: Int
        /// Jobs whose body runs (they may publish items).
        var running = 0
        var failure: (any Error)? = nil
        var ready: [Int: Result<T, any Error>] = [:]

        init(count: Int, window: Int) {
            self.count = count
            tokens = window
        }

        /// Inside the monitor: an item of a running job, else the next job if the window
        /// allows, else nil when no job is left to take and none runs (the worker leaves);
        /// otherwise waits.
        func next(_ queue: WorkQueue, order: [Int]) -> Action? {
            while true {
                if let item = queue.takeItem() { return .item(item) }
                if failure == nil, taken < count, tokens > 0 {
                    tokens -= 1
                    taken += 1
                    running += 1
                    return .job(order[taken - 1])
                }
                if (failure != nil || taken == count) && running == 0 { return nil }
                queue.monitor.wait()
            }
        }

        /// The finished jobs that continue the consumed prefix, if no one else is consuming.
        func takeReady() -> [(Int, Result<T, any Error>)] {
            guard !consuming, failure == nil else { return [] }
            var batch: [(Int, Result<T, any Error>)] = []
            while let r = ready.removeValue(forKey: consumed) {
                batch.append((consumed, r))
                consumed += 1
            }
            if !batch.isEmpty { consuming = true }
            return batch
        }
    }
}

/// Carries a non-Sendable closure into worker threads that call it one at a time.
private struct UnsafeSendableBox<V>: @unchecked Sendable {
    let value: V
    init(_ value: V) { self.value = value }
}

extension ParallelWork {
    /// The coder's runner for the rows of blocks of one tensor (entry points): `body(i)` for
    /// every `i` on at most `threads` threads, taken in index order; nil for one thread.
    static func segmentRunner(threads: Int) -> SegmentRunner? {
        guard threads > 1 else { return nil }
        return { count, body in
            let next = Mutex(0)
            WorkerThreads.run(min(threads, count)) { _ in
                while true {
                    let i = next.withLock { n -> Int in
                        defer { n += 1 }
                        return n
                    }
                    guard i < count else { return }
                    body(i)
                }
            }
        }
    }

    /// The jobs that get the pool's runner: when the largest job holds more than its share
    /// (1/threads) of the work, the `threads − 1` largest (ties: lower index first), else none.
    /// The big one splits itself; the others split what they can (their pricing halves) for
    /// the workers left over once the small jobs are done. With two threads that is the big
    /// one alone: the job beside it would find no idle worker (the big one's worker takes its
    /// own items first) and its split would only add the second pass over its levels.
    static func sharingJobs(costs: [Int], threads: Int) -> Set<Int> {
        let total = costs.reduce(0, +)
        let order = costs.indices.sorted { costs[$0] != costs[$1] ? costs[$0] > costs[$1] : $0 < $1 }
        guard let largest = order.first, innerThreads(elements: costs[largest], total: total, threads: threads) > 1 else { return [] }
        return Set(order.prefix(max(1, threads - 1)))
    }

    /// Threads for the inside of one tensor of `elements` among `total`: all of them when it
    /// alone holds more than its share (1/threads) of the work, else 1 — a tensor that bounds
    /// the makespan is split at its entry points, the others keep one thread each.
    static func innerThreads(elements: Int, total: Int, threads: Int) -> Int {
        threads > 1 && elements * threads > total ? threads : 1
    }
}
