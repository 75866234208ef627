import Foundation

/// The one file stored in a `.7z` archive: its name and, optionally, its metadata.
public struct SevenZipEntry: Sendable, Equatable {
    /// Name inside the archive (stored as UTF-16LE). Must not be empty or contain NUL.
    public var name: String
    /// Modification time; omitted from the archive when nil.
    public var modificationDate: Date?
    /// Unix permission bits and file type (e.g. `0o100644`); omitted when nil.
    public var unixMode: UInt16?

    public init(name: String, modificationDate: Date? = nil, unixMode: UInt16? = nil) {
        self.name = name
        self.modificationDate = modificationDate
        self.unixMode = unixMode
    }
}

/// Writes single-file `.7z` archives: a 32-byte signature header, one packed stream made by
/// the LZMA (LZMA1) coder at preset 9e without an end marker, and a plain Header that names
/// the coder, the sizes, the file's CRC32 and its name. An empty file gets no packed stream
/// (kEmptyStream + kEmptyFile), as 7-Zip itself does.
public enum SevenZipWriter {
    /// The archive as bytes.
    public static func archive(_ bytes: some ContiguousBytes, entry: SevenZipEntry) throws -> [UInt8] {
        let output = MemoryArchiveOutput()
        try bytes.withUnsafeBytes { raw in
            _ = try write(.memory(raw), entry: entry, to: output)
        }
        return output.bytes
    }

    /// The archive's size in bytes, counted without keeping the archive.
    public static func archiveSize(_ bytes: some ContiguousBytes, entry: SevenZipEntry) throws -> Int {
        try bytes.withUnsafeBytes { raw in
            try Int(write(.memory(raw), entry: entry, to: CountingArchiveOutput()))
        }
    }

    /// Writes the archive to `url` (atomically: a temporary file in the same folder, renamed
    /// into place when complete) and returns its size in bytes.
    @discardableResult
    public static func write(_ bytes: some ContiguousBytes, entry: SevenZipEntry, to url: URL) throws -> Int {
        try bytes.withUnsafeBytes { raw in
            try Int(write(.memory(raw), entry: entry, toFileAt: url))
        }
    }

    static func write(_ input: ByteInput, entry: SevenZipEntry, toFileAt url: URL) throws -> UInt64 {
        try AtomicFileOutput.create(at: url) { output in
            try write(input, entry: entry, to: output)
        }
    }

    /// Streams `input` through the LZMA encoder into `output` and returns the archive size.
    static func write(_ input: ByteInput, entry: SevenZipEntry, to output: some ArchiveOutput) throws -> UInt64 {
        guard !entry.name.isEmpty, !entry.name.unicodeScalars.contains("\0") else {
            throw SizeReportError("invalid name for a 7z entry: \(entry.name.debugDescription)")
        }
        let headerStart = UInt64(SevenZipFormat.signatureHeaderSize)
        // Room for the signature header, which is written last.
        try [UInt8](repeating: 0, count: SevenZipFormat.signatureHeaderSize).withUnsafeBytes {
            try output.append($0)
        }

        let expectedSize = try input.size()
        var record = SevenZipFileRecord(name: entry.name, modificationDate: entry.modificationDate,
                                        unixMode: entry.unixMode, stream: nil)
        if expectedSize > 0 {
            let encoder = try LZMAEncoder(.rawLZMA1(inputSize: expectedSize))
            var crc = CRC32()
            var unpackSize: UInt64 = 0
            var packedSize: UInt64 = 0
            let sink: (UnsafeRawBufferPointer) throws -> Void = { chunk in
                packedSize += UInt64(chunk.count)
                try output.append(chunk)
            }
            try input.forEachChunk { chunk in
                crc.update(chunk)
                unpackSize += UInt64(chunk.count)
                try encoder.encode(chunk, finish: false, sink: sink)
            }
            try encoder.encode(UnsafeRawBufferPointer(start: nil, count: 0), finish: true, sink: sink)
            guard unpackSize > 0 else {
                throw SizeReportError("input became empty while it was being read")
            }
            record.stream = .init(packedSize: packedSize, unpackSize: unpackSize, crc: crc.value,
                                  coderProperties: encoder.properties!.bytes)
        }

        let header = SevenZipFormat.header(for: record)
        try header.withUnsafeBytes { try output.append($0) }
        let headerOffset = record.stream?.packedSize ?? 0
        let signature = SevenZipFormat.signatureHeader(headerOffset: headerOffset,
                                                       headerSize: UInt64(header.count),
                                                       headerCRC: CRC32.checksum(header))
        try output.replaceStart(with: signature)
        return headerStart + headerOffset + UInt64(header.count)
    }
}

/// Where an archive goes: bytes are appended, then the first 32 bytes (the signature header,
/// known only at the end) are overwritten.
protocol ArchiveOutput: AnyObject {
    func append(_ bytes: UnsafeRawBufferPointer) throws
    func replaceStart(with bytes: [UInt8]) throws
}

final class MemoryArchiveOutput: ArchiveOutput {
    private(set) var bytes: [UInt8] = []
    func append(_ chunk: UnsafeRawBufferPointer) { bytes.append(contentsOf: chunk) }
    func replaceStart(with start: [UInt8]) { bytes.replaceSubrange(0..<start.count, with: start) }
}

final class CountingArchiveOutput: ArchiveOutput {
    private(set) var count: UInt64 = 0
    func append(_ chunk: UnsafeRawBufferPointer) { count += UInt64(chunk.count) }
    func replaceStart(with start: [UInt8]) {}
}
