#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SystemIO

/// Whole-file reads and atomic writes over POSIX, with errors that name the file.
public enum FileIO {
    /// Reads a whole regular file into a freshly allocated buffer owned by the caller.
    public static func read(_ path: String) throws(ONNXError) -> TensorBytes {
        var st = stat()
        guard stat(path, &st) == 0 else {
            if errno == ENOENT {
                throw ONNXError(.fileNotFound, file: path, detail: "no such file", hint: "check the path")
            }
            throw ONNXError(.readFailed, file: path, detail: String(cString: strerror(errno)), hint: "check the path and permissions")
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            throw ONNXError(.isDirectory, file: path, detail: "is a directory, not a file", hint: "pass the .onnx file inside it")
        }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw ONNXError(.readFailed, file: path, detail: String(cString: strerror(errno)), hint: "check permissions")
        }
        defer { close(fd) }
        let size = Int(st.st_size)
        return try TensorBytes(count: size) { (buf: UnsafeMutableRawBufferPointer) throws(ONNXError) in
            do throws(SystemError) { try Syscall.readAll(fd, into: buf, path: path) } catch {
                let done = error.offset ?? 0
                throw ONNXError(.readFailed, file: path, offset: done, detail: "read failed after \(done) of \(size) bytes", hint: "is the file being written?")
            }
        }
    }

    /// Reads `length` bytes at `offset` of a file (or to its end when `length` is nil).
    public static func read(_ path: String, offset: Int, length: Int?) throws(ONNXError) -> TensorBytes {
        let n = try externalRange(path, offset: offset, length: length)
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw ONNXError(.externalData, file: path, detail: String(cString: strerror(errno)), hint: "check permissions")
        }
        defer { close(fd) }
        return try TensorBytes(count: n) { (buf: UnsafeMutableRawBufferPointer) throws(ONNXError) in
            do throws(SystemError) { try Syscall.readAll(fd, into: buf, at: offset, path: path) } catch {
                throw ONNXError(.externalData, file: path, offset: offset + (error.offset ?? 0), detail: "read failed", hint: "is the file being written?")
            }
        }
    }

    /// Writes a file atomically through `SystemIO.AtomicFile`: `body` fills a temporary file
    /// in the same folder, which is fsynced and renamed over `path` only when everything
    /// succeeded. On failure nothing is left behind.
    public static func writeAtomically(_ path: String, _ body: (Int32) throws(ONNXError) -> Void) throws(ONNXError) {
        do {
            try AtomicFile.write(to: path) { (f) throws(ONNXError) in try body(f.fd) }
        } catch let e as ONNXError {
            throw e
        } catch let e as SystemError {
            if e.call.hasPrefix("create") {
                throw ONNXError(.writeFailed, file: path, detail: "cannot \(e.call): \(e.reason)",
                                hint: "check that the folder exists and is writable")
            }
            throw ONNXError(.writeFailed, file: path, detail: "\(e.call): \(e.reason)",
                            hint: e.call == "rename" ? "check permissions" : "is the disk full?")
        } catch {
            throw ONNXError(.writeFailed, file: path, detail: "\(error)", hint: "is the disk full?")
        }
    }

    /// Writes all of `bytes` to `fd` (at `offset` without moving the file position, else at it).
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int? = nil, file: String) throws(ONNXError) {
        do { try Syscall.writeAll(fd, bytes, at: offset, path: file) } catch {
            throw ONNXError(.writeFailed, file: file, offset: offset.map { $0 + (error.offset ?? 0) } ?? error.offset, detail: error.reason, hint: "is the disk full?")
        }
    }

    /// Starts writing `count` bytes at `offset` of `fd` to disk without waiting, so that a
    /// later fsync has less left to do (advisory: failures show at the fsync).
    public static func startWriteback(_ fd: Int32, offset: Int, count: Int) {
        Syscall.startWriteback(fd, offset: offset, count: count)
    }

    public static func directory(of path: String) -> String { AtomicFile.folder(of: path) }

    public static func fileName(of path: String) -> String { AtomicFile.fileName(of: path) }

    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    /// Size of a file in bytes, or nil if it cannot be read.
    public static func size(_ path: String) -> Int? {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : nil
    }

    /// Resolves symlinks and `..` for comparing two paths (the path itself if it does not exist).
    public static func canonical(_ path: String) -> String {
        guard let p = realpath(path, nil) else { return path }
        defer { free(p) }
        return String(cString: p)
    }
}

extension FileIO {
    /// Writes `bytes` to `path` atomically (temporary file, then rename).
    public static func writeAtomically(_ path: String, bytes: [UInt8]) throws(ONNXError) {
        try writeAtomically(path) { (fd) throws(ONNXError) in
            var failure: ONNXError?
            bytes.withUnsafeBytes { raw in
                do throws(ONNXError) { try writeAll(fd, raw, file: path) } catch { failure = error }
            }
            if let failure { throw failure }
        }
    }
}
