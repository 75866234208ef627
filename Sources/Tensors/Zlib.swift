internal import CZlib

/// Raw DEFLATE decoding and CRC-32 through zlib, for `.npz` members. The only file of
/// Tensors that calls zlib.
enum Zlib {
    /// Why zlib refused a member's data.
    struct Failure: Error, CustomStringConvertible, Equatable {
        var description: String
    }

    /// Inflates raw DEFLATE data (RFC 1951, no zlib or gzip wrapper) that decodes to
    /// `expectedSize` bytes; refuses truncated, corrupt or longer data.
    static func inflateRaw(_ input: UnsafeRawBufferPointer, expectedSize: Int) throws(Failure) -> [UInt8] {
        // DEFLATE expands at most 1032:1; a larger declared size is a corrupt header.
        guard expectedSize >= 0, expectedSize <= input.count * 1032 + 64 else {
            throw Failure(description: "declared size \(expectedSize) is more than \(input.count) compressed bytes can hold")
        }
        var s = z_stream()
        guard inflateInit2_(&s, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure(description: "zlib cannot start inflating")
        }
        defer { inflateEnd(&s) }
        // One spare byte shows data that decodes to more than `expectedSize`.
        var out = [UInt8](repeating: 0, count: expectedSize + 1)
        var rc: Int32 = Z_OK
        let produced = out.withUnsafeMutableBufferPointer { o -> Int in
            s.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
            s.avail_in = uInt(input.count)
            s.next_out = o.baseAddress
            s.avail_out = uInt(o.count)
            rc = inflate(&s, Z_FINISH)
            return o.count - Int(s.avail_out)
        }
        switch rc {
        case Z_STREAM_END: break
        case _ where s.avail_out == 0: throw Failure(description: "data decodes to more than the declared \(expectedSize) bytes")
        case Z_BUF_ERROR where s.avail_in == 0: throw Failure(description: "compressed data is truncated")
        default: throw Failure(description: "corrupt compressed data")
        }
        out.removeSubrange(produced...)
        return out
    }

    /// The CRC-32 (ISO 3309, as zip uses it) of `data`.
    static func crc32(_ data: [UInt8]) -> UInt32 {
        data.withUnsafeBufferPointer { b in
            UInt32(CZlib.crc32(0, b.baseAddress, uInt(b.count)))
        }
    }
}
