import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An archive being written to a temporary file next to its destination. `create(at:_:)`
/// renames it into place only after everything was written and synced; on any error the
/// temporary file is removed, so the destination is either the old file or the complete new one.
final class AtomicFileOutput: ArchiveOutput {
    private var fd: Int32
    let temporaryPath: String

    private init(fd: Int32, temporaryPath: String) {
        self.fd = fd
        self.temporaryPath = temporaryPath
    }

    static func create<T>(at url: URL, _ body: (AtomicFileOutput) throws -> T) throws -> T {
        let destination = url.standardizedFileURL
        let folder = destination.deletingLastPathComponent().path
        let temporaryPath = folder + "/." + destination.lastPathComponent + ".tmp-" + UUID().uuidString
        let fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0 else {
            throw SizeReportError("cannot create \(temporaryPath): \(String(cString: strerror(errno)))")
        }
        let output = AtomicFileOutput(fd: fd, temporaryPath: temporaryPath)
        do {
            let result = try body(output)
            if fsync(output.fd) != 0 { throw output.error("cannot sync") }
            let fdToClose = output.fd
            output.fd = -1
            if close(fdToClose) != 0 { throw output.error("cannot close") }
            if rename(temporaryPath, destination.path) != 0 {
                throw SizeReportError("cannot rename \(temporaryPath) to \(destination.path): \(String(cString: strerror(errno)))")
            }
            return result
        } catch {
            if output.fd >= 0 { close(output.fd); output.fd = -1 }
            unlink(temporaryPath)
            throw error
        }
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    private func error(_ what: String) -> SizeReportError {
        SizeReportError("\(what) \(temporaryPath): \(String(cString: strerror(errno)))")
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        guard var next = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let n = write(fd, next, remaining)
            if n < 0 {
                if errno == EINTR { continue }
                throw error("cannot write")
            }
            next += n
            remaining -= n
        }
    }

    func replaceStart(with bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = pwrite(fd, raw.baseAddress! + offset, raw.count - offset, off_t(offset))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw error("cannot write")
                }
                offset += n
            }
        }
    }
}
