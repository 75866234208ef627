import CABAC

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
