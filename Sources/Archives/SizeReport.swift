import Foundation

/// A failure while measuring or writing sizes (I/O, bad arguments). liblzma failures are
/// reported as `LZMAError`.
public struct SizeReportError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The sizes the NNC papers report for a model file: the file itself, a `.7z` archive of it
/// (LZMA at preset 9e, as `7zz a -mx=9` would) and its `.xz` (as `xz -9e`).
public struct SizeReport: Sendable, Codable, Equatable {
    /// The file name, as stored in the `.7z` archive.
    public var fileName: String
    /// Size of the file itself (the `.onnx`, or whatever was measured).
    public var originalBytes: Int
    /// Size of the complete `.7z` archive holding the file.
    public var sevenZipBytes: Int
    /// Size of the `.xz` file.
    public var xzBytes: Int

    public init(fileName: String, originalBytes: Int, sevenZipBytes: Int, xzBytes: Int) {
        self.fileName = fileName
        self.originalBytes = originalBytes
        self.sevenZipBytes = sevenZipBytes
        self.xzBytes = xzBytes
    }

    /// `sevenZipBytes / originalBytes` (0 for an empty file).
    public var sevenZipRatio: Double { originalBytes == 0 ? 0 : Double(sevenZipBytes) / Double(originalBytes) }
    /// `xzBytes / originalBytes` (0 for an empty file).
    public var xzRatio: Double { originalBytes == 0 ? 0 : Double(xzBytes) / Double(originalBytes) }

    /// Measures `bytes` stored under `name`. With `sevenZipURL`, the `.7z` archive is also
    /// written there (atomically); otherwise its bytes are only counted.
    public static func measure(_ bytes: some ContiguousBytes, name: String,
                               modificationDate: Date? = nil,
                               writingSevenZipTo sevenZipURL: URL? = nil) throws -> SizeReport {
        try bytes.withUnsafeBytes { raw in
            try measure(.memory(raw), entry: SevenZipEntry(name: name, modificationDate: modificationDate),
                        sevenZipURL: sevenZipURL)
        }
    }

    /// Measures the file at `url`, reading it in chunks (it is never held in memory whole).
    /// The archive stores the file's last path component, modification time and mode.
    public static func measure(fileAt url: URL, writingSevenZipTo sevenZipURL: URL? = nil) throws -> SizeReport {
        let attributes: [FileAttributeKey: Any]
        do { attributes = try FileManager.default.attributesOfItem(atPath: url.path) } catch {
            throw SizeReportError("cannot read \(url.path): \(error.localizedDescription)")
        }
        let mode = (attributes[.posixPermissions] as? NSNumber).map { 0o100000 | UInt16(truncatingIfNeeded: $0.intValue & 0o7777) }
        let entry = SevenZipEntry(name: url.lastPathComponent,
                                  modificationDate: attributes[.modificationDate] as? Date,
                                  unixMode: mode)
        return try measure(.file(url), entry: entry, sevenZipURL: sevenZipURL)
    }

    static func measure(_ input: ByteInput, entry: SevenZipEntry, sevenZipURL: URL?) throws -> SizeReport {
        let original = try input.size()
        let sevenZip: UInt64
        if let sevenZipURL {
            sevenZip = try SevenZipWriter.write(input, entry: entry, toFileAt: sevenZipURL)
        } else {
            sevenZip = try SevenZipWriter.write(input, entry: entry, to: CountingArchiveOutput())
        }
        let xz = try XZ.compressedSize(of: input)
        return SizeReport(fileName: entry.name, originalBytes: Int(original),
                          sevenZipBytes: Int(sevenZip), xzBytes: Int(xz))
    }
}
