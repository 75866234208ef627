import Foundation

/// Building blocks of the 7z container (see 7-Zip's DOC/7zFormat.txt): the variable-length
/// NUMBER encoding, property IDs, the 32-byte signature header and the plain (unencoded)
/// Header that describes one file.
enum SevenZipFormat {
    static let signature: [UInt8] = [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]  // "7z\xBC\xAF\x27\x1C"
    static let version: (major: UInt8, minor: UInt8) = (0, 4)
    static let signatureHeaderSize = 32

    /// Property IDs used by this writer.
    enum ID: UInt8 {
        case end = 0x00
        case header = 0x01
        case mainStreamsInfo = 0x04
        case filesInfo = 0x05
        case packInfo = 0x06
        case unpackInfo = 0x07
        case subStreamsInfo = 0x08
        case size = 0x09
        case crc = 0x0A
        case folder = 0x0B
        case codersUnpackSize = 0x0C
        case emptyStream = 0x0E
        case emptyFile = 0x0F
        case name = 0x11
        case mTime = 0x14
        case winAttributes = 0x15
    }

    /// 7-Zip's method ID of LZMA (LZMA1).
    static let lzmaMethodID: [UInt8] = [0x03, 0x01, 0x01]

    /// Windows file attributes as 7-Zip on Unix writes them: FILE_ATTRIBUTE_ARCHIVE, plus the
    /// Unix mode in the high 16 bits flagged by FILE_ATTRIBUTE_UNIX_EXTENSION (0x8000).
    static func attributes(unixMode: UInt16) -> UInt32 {
        0x20 | 0x8000 | (UInt32(unixMode) << 16)
    }

    /// Seconds since 1601-01-01 (FILETIME epoch) minus seconds since 1970-01-01.
    static let fileTimeEpochOffset: Int64 = 11_644_473_600

    /// FILETIME: 100-nanosecond ticks since 1601-01-01 UTC.
    static func fileTime(_ date: Date) -> UInt64 {
        let ticks = (date.timeIntervalSince1970 * 10_000_000).rounded()
        let total = Double(fileTimeEpochOffset) * 10_000_000 + ticks
        return total <= 0 ? 0 : UInt64(total)
    }
}

/// A byte buffer with the 7z primitive encodings.
struct SevenZipBytes {
    var bytes: [UInt8] = []

    mutating func byte(_ value: UInt8) { bytes.append(value) }
    mutating func id(_ value: SevenZipFormat.ID) { bytes.append(value.rawValue) }
    mutating func append(_ other: [UInt8]) { bytes.append(contentsOf: other) }

    mutating func uint32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func uint64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// 7z NUMBER: the count of leading one bits of the first byte is the count n of extra bytes,
    /// which follow little-endian; the remaining low bits of the first byte are the value's
    /// bits above those 8·n. One byte holds 7 bits, n extra bytes hold 7·(n+1), up to 64.
    mutating func number(_ value: UInt64) {
        var extra = 0
        while extra < 8 && value >> UInt64(7 * (extra + 1)) != 0 { extra += 1 }
        let marker: UInt8 = extra == 0 ? 0 : ~(0xFF >> UInt8(extra))  // n leading ones
        let high: UInt8 = extra >= 7 ? 0 : UInt8(truncatingIfNeeded: value >> UInt64(8 * extra))
        bytes.append(marker | high)
        for i in 0..<extra { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(8 * i))) }
    }

    /// A file property: ID, NUMBER size, then the payload.
    mutating func property(_ id: SevenZipFormat.ID, _ payload: SevenZipBytes) {
        self.id(id)
        number(UInt64(payload.bytes.count))
        append(payload.bytes)
    }
}

/// What the header has to say about the one file in the archive.
struct SevenZipFileRecord {
    var name: String
    var modificationDate: Date?
    var unixMode: UInt16?
    /// nil for an empty file, which has no packed stream.
    var stream: Stream?

    struct Stream {
        var packedSize: UInt64
        var unpackSize: UInt64
        var crc: UInt32
        var coderProperties: [UInt8]
    }
}

extension SevenZipFormat {
    /// The plain Header for one file.
    static func header(for file: SevenZipFileRecord) -> [UInt8] {
        var h = SevenZipBytes()
        h.id(.header)
        if let stream = file.stream {
            h.id(.mainStreamsInfo)

            h.id(.packInfo)
            h.number(0)                      // PackPos: right after the signature header
            h.number(1)                      // NumPackStreams
            h.id(.size)
            h.number(stream.packedSize)
            h.id(.end)

            h.id(.unpackInfo)
            h.id(.folder)
            h.number(1)                      // NumFolders
            h.byte(0)                        // External = 0: folders follow inline
            h.number(1)                      // NumCoders
            h.byte(UInt8(lzmaMethodID.count) | 0x20)  // ID size, simple coder, has properties
            h.append(lzmaMethodID)
            h.number(UInt64(stream.coderProperties.count))
            h.append(stream.coderProperties)
            h.id(.codersUnpackSize)
            h.number(stream.unpackSize)
            h.id(.end)

            h.id(.subStreamsInfo)            // one substream per folder (the default)
            h.id(.crc)
            h.byte(1)                        // AllAreDefined
            h.uint32(stream.crc)
            h.id(.end)

            h.id(.end)                       // end of MainStreamsInfo
        }

        h.id(.filesInfo)
        h.number(1)                          // NumFiles
        if file.stream == nil {
            var bits = SevenZipBytes()
            bits.byte(0x80)                  // file 0 has no stream...
            h.property(.emptyStream, bits)
            h.property(.emptyFile, bits)     // ...and is a file, not a directory
        }
        var names = SevenZipBytes()
        names.byte(0)                        // External = 0
        for unit in file.name.utf16 {
            names.byte(UInt8(truncatingIfNeeded: unit))
            names.byte(UInt8(truncatingIfNeeded: unit >> 8))
        }
        names.append([0, 0])                 // UTF-16 NUL terminator
        h.property(.name, names)
        if let date = file.modificationDate {
            var times = SevenZipBytes()
            times.byte(1)                    // AllAreDefined
            times.byte(0)                    // External = 0
            times.uint64(fileTime(date))
            h.property(.mTime, times)
        }
        if let mode = file.unixMode {
            var attributes = SevenZipBytes()
            attributes.byte(1)               // AllAreDefined
            attributes.byte(0)               // External = 0
            attributes.uint32(self.attributes(unixMode: mode))
            h.property(.winAttributes, attributes)
        }
        h.id(.end)                           // end of FilesInfo
        h.id(.end)                           // end of Header
        return h.bytes
    }

    /// The 32-byte signature header that points at a Header of `headerSize` bytes
    /// with CRC `headerCRC`, placed `headerOffset` bytes after the signature header.
    static func signatureHeader(headerOffset: UInt64, headerSize: UInt64, headerCRC: UInt32) -> [UInt8] {
        var start = SevenZipBytes()
        start.uint64(headerOffset)
        start.uint64(headerSize)
        start.uint32(headerCRC)
        var out = SevenZipBytes()
        out.append(signature)
        out.byte(version.major)
        out.byte(version.minor)
        out.uint32(CRC32.checksum(start.bytes))  // StartHeaderCRC covers the next 20 bytes
        out.append(start.bytes)
        precondition(out.bytes.count == signatureHeaderSize)
        return out.bytes
    }
}
