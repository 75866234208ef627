#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one atomic writer: a temporary file in the target's folder that `write(to:_:)`
/// fsyncs and renames over the target only when everything succeeded. On any failure the
/// temporary file is removed, so the target is either untouched or complete.
public final class AtomicFile {
    /// The open temporary file.
    public private(set) var fd: Int32
    /// Where it is, and where it goes.
    public let temporaryPath: String
    public let path: String

    private init(fd: Int32, temporaryPath: String, path: String) {
        self.fd = fd
        self.temporaryPath = temporaryPath
        self.path = path
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Creates a temporary file next to `path`, lets `body` fill it, then syncs it, gives it
    /// mode 0644 and renames it to `path`.
    public static func write<T, E: Error>(to path: String, _ body: (AtomicFile) throws(E) -> T) throws -> T {
        let dir = folder(of: path)
        var template = Array("\(dir)/.\(fileName(of: path)).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw SystemError(call: "create a temporary file in \(dir)", path: path, errno: errno) }
        let tmp = String(cString: template.map { $0 })
        let file = AtomicFile(fd: fd, temporaryPath: tmp, path: path)
        do {
            let result = try body(file)
            try file.commit()
            return result
        } catch {
            file.discard()
            throw error
        }
    }

    /// Appends `bytes` at the file position.
    public func append(_ bytes: UnsafeRawBufferPointer) throws(SystemError) {
        try Syscall.writeAll(fd, bytes, path: temporaryPath)
    }

    /// Writes `bytes` at `offset` without moving the file position.
    public func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(SystemError) {
        try Syscall.writeAll(fd, bytes, at: offset, path: temporaryPath)
    }

    private func commit() throws(SystemError) {
        fchmod(fd, 0o644)
        guard fsync(fd) == 0 else { throw SystemError(call: "fsync", path: temporaryPath, errno: errno) }
        let f = fd
        fd = -1
        guard close(f) == 0 else { throw SystemError(call: "close", path: temporaryPath, errno: errno) }
        guard rename(temporaryPath, path) == 0 else { throw SystemError(call: "rename", path: path, errno: errno) }
    }

    private func discard() {
        if fd >= 0 { close(fd); fd = -1 }
        unlink(temporaryPath)
    }

    /// The folder of `path` ("." for a bare name).
    public static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let d = String(path[..<slash])
        return d.isEmpty ? "/" : d
    }

    /// The last component of `path`.
    public static func fileName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}
