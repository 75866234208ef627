#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ONNXIO
import SystemIO

/// An NNR stream read from a file unit by unit (pread), so decoding holds one unit at a
/// time instead of the whole stream. The file stays open for the source's lifetime.
public final class NNRFileSource: NNRByteSource, @unchecked Sendable {
    public let path: String
    public let count: Int
    private let fd: Int32

    /// Opens `path`; errors as `FileIO.read`'s (missing, a folder, unreadable).
    public init(path: String) throws(ONNXError) {
        var st = stat()
        guard stat(path, &st) == 0 else {
            if errno == ENOENT { throw ONNXError(.fileNotFound, file: path, detail: "no such file", hint: "check the path") }
            throw ONNXError(.readFailed, file: path, detail: String(cString: strerror(errno)), hint: "check the path and permissions")
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            throw ONNXError(.isDirectory, file: path, detail: "is a directory, not a file", hint: "pass the .nnc file inside it")
        }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw ONNXError(.readFailed, file: path, detail: String(cString: strerror(errno)), hint: "check permissions")
        }
        self.path = path
        self.fd = fd
        self.count = Int(st.st_size)
    }

    deinit { close(fd) }

    public func bytes(at offset: Int, length: Int) throws(NNRError) -> [UInt8] {
        var failure: SystemError? = nil
        let out = [UInt8](unsafeUninitializedCapacity: length) { buf, initialized in
            do throws(SystemError) {
                try Syscall.readAll(fd, into: UnsafeMutableRawBufferPointer(buf), at: offset, path: path)
            } catch {
                failure = error
                buf.initialize(repeating: 0)
            }
            initialized = length
        }
        if let failure {
            let at = offset + (failure.offset ?? 0)
            // A file that shrank under us reads as a truncated stream.
            if failure.errno == 0 { throw NNRError(.truncated, byteOffset: at) }
            throw NNRError(.readFailed(failure.reason), byteOffset: at)
        }
        return out
    }
}
