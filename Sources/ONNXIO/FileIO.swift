#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
            var done = 0
            while done < size {
                let n = Glibc.read(fd, buf.baseAddress! + done, size - done)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    throw ONNXError(.readFailed, file: path, offset: done, detail: "read failed after \(done) of \(size) bytes", hint: "is the file being written?")
                }
                done += n
            }
        }
    }

    /// Reads `length` bytes at `offset` of a file (or to its end when `length` is nil).
    public static func read(_ path: String, offset: Int, length: Int?) throws(ONNXError) -> TensorBytes {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            throw ONNXError(.externalData, file: path, detail: "external data file is missing or not a regular file",
                            hint: "keep the data file next to the model, as when it was saved")
        }
        let size = Int(st.st_size)
        let n = length ?? (size - offset)
        guard offset >= 0, n >= 0, offset <= size, n <= size - offset else {
            throw ONNXError(.externalData, file: path, offset: offset,
                            detail: "wants \(n) bytes at offset \(offset) but the file has \(size)",
                            hint: "the data file is truncated or belongs to another model")
        }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw ONNXError(.externalData, file: path, detail: String(cString: strerror(errno)), hint: "check permissions")
        }
        defer { close(fd) }
        return try TensorBytes(count: n) { (buf: UnsafeMutableRawBufferPointer) throws(ONNXError) in
            var done = 0
            while done < n {
                let r = pread(fd, buf.baseAddress! + done, n - done, off_t(offset + done))
                if r < 0 && errno == EINTR { continue }
                guard r > 0 else {
                    throw ONNXError(.externalData, file: path, offset: offset + done, detail: "read failed", hint: "is the file being written?")
                }
                done += r
            }
        }
    }

    /// Writes a file atomically: `body` fills a temporary file in the same folder, which is
    /// renamed over `path` only when everything succeeded. On failure nothing is left behind.
    public static func writeAtomically(_ path: String, _ body: (Int32) throws(ONNXError) -> Void) throws(ONNXError) {
        let dir = directory(of: path)
        let base = fileName(of: path)
        var template = Array("\(dir)/.\(base).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw ONNXError(.writeFailed, file: path, detail: "cannot create a file in \(dir): \(String(cString: strerror(errno)))",
                            hint: "check that the folder exists and is writable")
        }
        let tmp = String(cString: template.map { $0 } + [])
        var ok = false
        defer {
            if !ok { unlink(tmp) }
        }
        do {
            try body(fd)
        } catch {
            close(fd)
            throw error
        }
        fchmod(fd, 0o644)
        guard close(fd) == 0 else {
            throw ONNXError(.writeFailed, file: path, detail: String(cString: strerror(errno)), hint: "is the disk full?")
        }
        guard rename(tmp, path) == 0 else {
            throw ONNXError(.writeFailed, file: path, detail: String(cString: strerror(errno)), hint: "check permissions")
        }
        ok = true
    }

    /// Writes all of `bytes` to `fd`.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, file: String) throws(ONNXError) {
        var done = 0
        while done < bytes.count {
            let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw ONNXError(.writeFailed, file: file, offset: done, detail: String(cString: strerror(errno)), hint: "is the disk full?")
            }
            done += n
        }
    }

    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let d = String(path[..<slash])
        return d.isEmpty ? "/" : d
    }

    public static func fileName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

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
