#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A mutex with one condition variable (POSIX), for workers that sleep until there is work.
package final class Monitor: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    package init() {
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
    package func locked<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Inside `locked`: releases the mutex until `broadcast` (or a spurious wake-up).
    package func wait() { pthread_cond_wait(condition, mutex) }

    /// Wakes every waiting thread.
    package func broadcast() { pthread_cond_broadcast(condition) }
}

/// Which rows of blocks have started and finished coding, for a join that follows them
/// while they are coded.
final class RowProgress: @unchecked Sendable {
    private let monitor = Monitor()
    /// 0 not started, 1 started, 2 finished (guarded by `monitor`).
    private var state: [UInt8]

    init(count: Int) { state = [UInt8](repeating: 0, count: count) }

    func start(_ r: Int) { monitor.locked { state[r] = 1 } }

    func finish(_ r: Int) {
        monitor.locked {
            state[r] = 2
            monitor.broadcast()
        }
    }

    /// Waits for row `r` if another thread codes it; whether it is finished (false: no one
    /// has started it, so waiting could wait for the caller itself).
    func waitIfStarted(_ r: Int) -> Bool {
        monitor.locked {
            while state[r] == 1 { monitor.wait() }
            return state[r] == 2
        }
    }
}
