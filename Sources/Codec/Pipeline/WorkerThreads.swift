#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Runs `count` bodies at once: body 0 on the calling thread, the others on threads of their
/// own, all joined before returning.
///
/// The threads are plain POSIX threads, so on Linux they inherit the calling thread's nice
/// value (scheduling priority is per thread there). libdispatch's pool, which
/// `DispatchQueue.concurrentPerform` used before, resets its threads to nice 0 for the
/// default QoS: under `nice -n 19` (run as root) the coding threads but one left the
/// background, and under `nice -n -15` all but the calling one lost the priority to
/// everything else on the machine (on a loaded 2-core machine the second coding thread of a
/// VGG-16 encode did one tensor while the first did fifteen).
enum WorkerThreads {
    /// `body(i)` for `i` in `0..<count`, concurrently. A thread that cannot be created runs
    /// its body on the calling thread after body 0.
    static func run(_ count: Int, _ body: (Int) -> Void) {
        guard count > 1 else {
            if count == 1 { body(0) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = BodyBox(body)
            var started: [(Int, pthread_t)] = []
            var inline: [Int] = []
            for i in 1..<count {
                let job = Unmanaged.passRetained(Job(box: box, index: i))
                var thread = pthread_t()
                if pthread_create(&thread, nil, { raw in
                    let job = Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue()
                    job.box.body(job.index)
                    return nil
                }, job.toOpaque()) == 0 {
                    started.append((i, thread))
                } else {
                    job.release()
                    inline.append(i)
                }
            }
            body(0)
            for i in inline { body(i) }
            for (_, thread) in started { pthread_join(thread, nil) }
        }
    }

    /// The body, shared by the threads for the duration of `run` (they are joined before it
    /// returns, so the non-escaping closure outlives them).
    private final class BodyBox: @unchecked Sendable {
        let body: (Int) -> Void
        init(_ body: @escaping (Int) -> Void) { self.body = body }
    }

    private final class Job: @unchecked Sendable {
        let box: BodyBox
        let index: Int
        init(box: BodyBox, index: Int) {
            self.box = box
            self.index = index
        }
    }
}
