import Foundation
import SystemIO

/// An archive being written through `SystemIO.AtomicFile`: a temporary file next to the
/// destination, fsynced and renamed into place only after everything was written; on any
/// error it is removed, so the destination is either the old file or the complete new one.
final class AtomicFileOutput: ArchiveOutput {
    private let file: AtomicFile

    private init(_ file: AtomicFile) { self.file = file }

    static func create<T>(at url: URL, _ body: (AtomicFileOutput) throws -> T) throws -> T {
        do {
            return try AtomicFile.write(to: url.standardizedFileURL.path) { f in try body(AtomicFileOutput(f)) }
        } catch let e as SystemError {
            throw SizeReportError(e.description)
        }
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        do throws(SystemError) { try file.append(bytes) } catch { throw SizeReportError(error.description) }
    }

    func replaceStart(with bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            do throws(SystemError) { try file.write(raw, at: 0) } catch { throw SizeReportError(error.description) }
        }
    }
}
