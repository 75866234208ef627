internal import CZlib

/// Raw DEFLATE (RFC 1951) through zlib: the standard's compression format for topology
/// payloads. This file is the only caller of zlib.
public enum Deflate {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Compresses at level 9 with no zlib or gzip wrapper.
    public static func compress(_ input: [UInt8]) throws(Failure) -> [UInt8] {
        var s = z_stream()
        guard deflateInit2_(&s, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                            Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure(description: "zlib deflateInit2 failed")
        }
        defer { deflateEnd(&s) }
        let bound = Int(deflateBound(&s, UInt(input.count)))
        var out = [UInt8](repeating: 0, count: bound)
        let produced: Int = input.withUnsafeBufferPointer { inp in
            out.withUnsafeMutableBufferPointer { o in
                s.next_in = UnsafeMutablePointer(mutating: inp.baseAddress)
                s.avail_in = uInt(inp.count)
                s.next_out = o.baseAddress
                s.avail_out = uInt(o.count)
                let rc = deflate(&s, Z_FINISH)
                return rc == Z_STREAM_END ? o.count - Int(s.avail_out) : -1
            }
        }
        guard produced >= 0 else { throw Failure(description: "zlib deflate did not finish") }
        out.removeSubrange(produced...)
        return out
    }

    /// Decompresses raw DEFLATE data; refuses output beyond `limit` bytes and data that
    /// does not end exactly at the end of the stream.
    public static func decompress(_ input: [UInt8], limit: Int = 1 << 31) throws(Failure) -> [UInt8] {
        var s = z_stream()
        guard inflateInit2_(&s, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure(description: "zlib inflateInit2 failed")
        }
        defer { inflateEnd(&s) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var rc: Int32 = Z_OK
        input.withUnsafeBufferPointer { inp in
            s.next_in = UnsafeMutablePointer(mutating: inp.baseAddress)
            s.avail_in = uInt(inp.count)
            repeat {
                chunk.withUnsafeMutableBufferPointer { c in
                    s.next_out = c.baseAddress
                    s.avail_out = uInt(c.count)
                    rc = inflate(&s, Z_NO_FLUSH)
                    out.append(contentsOf: c[0..<(c.count - Int(s.avail_out))])
                }
            } while rc == Z_OK && out.count <= limit && (s.avail_in > 0 || s.avail_out == 0)
        }
        guard rc == Z_STREAM_END else { throw Failure(description: "corrupt or truncated DEFLATE data (zlib code \(rc))") }
        guard s.avail_in == 0 else { throw Failure(description: "\(s.avail_in) bytes after the end of the DEFLATE data") }
        guard out.count <= limit else { throw Failure(description: "DEFLATE data expands beyond \(limit) bytes") }
        return out
    }
}
