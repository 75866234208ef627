import Foundation

/// Input to the compressors, handed out in chunks so that a file on disk never has to be held
/// in memory whole. Each pass (7z, xz, CRC) reads the input again from the start.
enum ByteInput {
    /// Bytes already in memory.
    case memory(UnsafeRawBufferPointer)
    /// A regular file, read in chunks.
    case file(URL)

    static let chunkSize = 4 << 20

    /// The input size in bytes.
    func size() throws -> UInt64 {
        switch self {
        case .memory(let buffer):
            return UInt64(buffer.count)
        case .file(let url):
            let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            guard let size = attributes[.size] as? NSNumber else {
                throw SizeReportError("cannot read the size of \(url.path)")
            }
            return size.uint64Value
        }
    }

    /// Calls `body` with consecutive chunks of the input (none for an empty input).
    func forEachChunk(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        switch self {
        case .memory(let buffer):
            var offset = 0
            while offset < buffer.count {
                let end = min(offset + ByteInput.chunkSize, buffer.count)
                try body(UnsafeRawBufferPointer(rebasing: buffer[offset..<end]))
                offset = end
            }
        case .file(let url):
            let handle: FileHandle
            do { handle = try FileHandle(forReadingFrom: url) } catch {
                throw SizeReportError("cannot open \(url.path): \(error.localizedDescription)")
            }
            defer { try? handle.close() }
            while true {
                let chunk: Data?
                do { chunk = try handle.read(upToCount: ByteInput.chunkSize) } catch {
                    throw SizeReportError("cannot read \(url.path): \(error.localizedDescription)")
                }
                guard let chunk, !chunk.isEmpty else { return }
                try chunk.withUnsafeBytes { try body($0) }
            }
        }
    }
}
