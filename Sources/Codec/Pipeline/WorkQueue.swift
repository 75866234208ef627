import CABAC

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A mutex with one condition variable (POSIX), for workers that sleep until there is work.
final class Monitor: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    /// `body` with the mutex held.
    func locked<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Inside `locked`: releases the mutex until `broadcast` (or a spurious wake-up).
    func wait() { pthread_cond_wait(condition, mutex) }

    /// Wakes every waiting thread.
    func broadcast() { pthread_cond_broadcast(condition) }
}

/// Items a running job handed to the pool (the rows of blocks of one big tensor): any
/// waiting worker takes the next one; the publishing job takes them too and waits for all.
final class SharedItems: @unchecked Sendable {
    /// Dropped by the publisher once every item is done (it lends a non-escaping closure).
    var body: ((Int) -> Void)?
    let count: Int
    var next = 0
    var done = 0

    init(_ count: Int, _ body: @escaping (Int) -> Void) {
        self.count = count
        self.body = body
    }
}

/// The one queue of a pool of workers: the items published by running jobs (taken first —
/// they hold up the job that waits for them) and the jobs' own scheduling state, under one
/// monitor. `ParallelWork.ordered` keeps its jobs' state here.
final class WorkQueue: @unchecked Sendable {
    let monitor = Monitor()
    /// Published and not yet finished (guarded by `monitor`).
    private var published: [SharedItems] = []

    /// Inside `monitor.locked`: the next untaken item of any published task.
    func takeItem() -> (SharedItems, Int)? {
        for task in published where task.next < task.count {
            task.next += 1
            return (task, task.next - 1)
        }
        return nil
    }

    /// Runs a taken item and counts it done (waking the publisher after the last).
    func run(_ item: (SharedItems, Int)) {
        item.0.body.unsafelyUnwrapped(item.1)
        monitor.locked {
            item.0.done += 1
            if item.0.done == item.0.count { monitor.broadcast() }
        }
    }

    /// The runner a job of this pool passes to the coder: `body(i)` for `i` in `0..<count`,
    /// taken by the calling thread and by any worker that waits for work, in index order;
    /// returns when all are done. No thread is created.
    var runner: SegmentRunner {
        { [self] count, body in
            guard count > 1 else {
                if count == 1 { body(0) }
                return
            }
            withoutActuallyEscaping(body) { body in
                let task = SharedItems(count, body)
                monitor.locked {
                    published.append(task)
                    monitor.broadcast()
                }
                while let i = monitor.locked({ () -> Int? in
                    guard task.next < task.count else { return nil }
                    task.next += 1
                    return task.next - 1
                }) {
                    run((task, i))
                }
                monitor.locked {
                    while task.done < task.count { monitor.wait() }
                    published.removeAll { $0 === task }
                    task.body = nil   // no worker calls it any more; the closure must not outlive this call
                }
            }
        }
    }
}
