#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call: which call, on which file, and errno.
public struct SystemError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The call that failed ("open", "write", "fsync", "rename", …).
    public var call: String
    /// The file it concerned.
    public var path: String
    /// errno after the call.
    public var errno: Int32
    /// Bytes already transferred when a read or write failed (nil otherwise).
    public var offset: Int?

    public init(call: String, path: String, errno: Int32, offset: Int? = nil) {
        self.call = call
        self.path = path
        self.errno = errno
        self.offset = offset
    }

    /// strerror's text for `errno`.
    public var reason: String { String(cString: strerror(errno)) }
    public var description: String { "\(path): \(call) failed: \(reason)" }
}

/// The one place nncodec retries system calls interrupted by a signal (EINTR).
public enum Syscall {
    /// Calls `body` until it does not fail with EINTR; returns its result (negative: failed,
    /// errno set).
    @inline(__always)
    public static func retrying<T: SignedInteger>(_ body: () -> T) -> T {
        while true {
            let r = body()
            if r < 0 && errno == EINTR { continue }
            return r
        }
    }

    /// Writes all of `bytes` to `fd` (at `offset` with pwrite, else at the file position).
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int? = nil,
                                path: String) throws(SystemError) {
        var done = 0
        while done < bytes.count {
            let base = bytes.baseAddress! + done, count = bytes.count - done
            let n = retrying {
                if let offset { return pwrite(fd, base, count, off_t(offset + done)) }
                return write(fd, base, count)
            }
            guard n > 0 else { throw SystemError(call: "write", path: path, errno: n < 0 ? errno : EIO, offset: done) }
            done += n
        }
    }

    /// Asks the kernel to start writing a range of `fd` to disk and returns at once. Linux
    /// starts the writeback of a range's dirty pages on `POSIX_FADV_DONTNEED` (and drops the
    /// range's clean pages from the cache); sync_file_range, the direct call, is not visible
    /// to Swift's Glibc module. Advisory: errors are ignored, the fsync that follows reports them.
    public static func startWriteback(_ fd: Int32, offset: Int, count: Int) {
        #if os(Linux)
        _ = posix_fadvise(fd, off_t(offset), off_t(count), POSIX_FADV_DONTNEED)
        #endif
    }

    /// Fills `buffer` from `fd` (at `offset` with pread, else at the file position); fails
    /// when the file ends first (errno 0 then).
    public static func readAll(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int? = nil,
                               path: String) throws(SystemError) {
        var done = 0
        while done < buffer.count {
            let base = buffer.baseAddress! + done, count = buffer.count - done
            let n = retrying {
                if let offset { return pread(fd, base, count, off_t(offset + done)) }
                return read(fd, base, count)
            }
            guard n > 0 else { throw SystemError(call: "read", path: path, errno: n < 0 ? errno : 0, offset: done) }
            done += n
        }
    }
}
