/// Minimal zip reader (stored and deflated members, zip64) for `.npz` files.
package enum Zip {
    struct Entry {
        var name: String
        var method: Int
        var crc: UInt32
        var compressedSize: Int
        var size: Int
        var localOffset: Int
    }

    static func u16(_ b: UnsafeRawBufferPointer, _ o: Int) -> Int { Int(b[o]) | Int(b[o + 1]) << 8 }
    static func u32(_ b: UnsafeRawBufferPointer, _ o: Int) -> Int { u16(b, o) | u16(b, o + 2) << 16 }
    static func u64(_ b: UnsafeRawBufferPointer, _ o: Int) -> Int { u32(b, o) | u32(b, o + 4) << 32 }
    /// Whether `count` bytes at `offset` (both read from the file, so possibly negative or
    /// huge) lie inside `b`, without overflowing.
    static func fits(_ offset: Int, _ count: Int, in b: UnsafeRawBufferPointer) -> Bool {
        offset >= 0 && count >= 0 && offset <= b.count && count <= b.count - offset
    }

    static func entries(_ b: UnsafeRawBufferPointer, source: String) throws(DataFileError) -> [Entry] {
        func fail(_ m: String) -> DataFileError { DataFileError(file: source, message: m) }
        guard b.count >= 22 else { throw fail("not a zip/.npz file (too short, truncated?)") }
        var eocd = -1
        var i = b.count - 22
        while i >= max(0, b.count - 22 - 65535) {
            if u32(b, i) == 0x0605_4b50 { eocd = i; break }
            i -= 1
        }
        guard eocd >= 0 else { throw fail("not a zip/.npz file or truncated (no end-of-central-directory record)") }
        var count = u16(b, eocd + 10)
        var cdOffset = u32(b, eocd + 16)
        if (count == 0xFFFF || cdOffset == 0xFFFF_FFFF) && eocd >= 20 && u32(b, eocd - 20) == 0x0706_4b50 {
            let z = u64(b, eocd - 20 + 8)
            guard fits(z, 56, in: b), u32(b, z) == 0x0606_4b50 else { throw fail("bad zip64 end record") }
            count = u64(b, z + 32)
            cdOffset = u64(b, z + 48)
        }
        var out: [Entry] = []
        var p = cdOffset
        for _ in 0..<count {
            guard fits(p, 46, in: b), u32(b, p) == 0x0201_4b50 else { throw fail("corrupt central directory") }
            let nameLen = u16(b, p + 28), extraLen = u16(b, p + 30), commentLen = u16(b, p + 32)
            guard p + 46 + nameLen + extraLen <= b.count else { throw fail("corrupt central directory") }
            var e = Entry(name: String(decoding: b[(p + 46)..<(p + 46 + nameLen)], as: UTF8.self), method: u16(b, p + 10),
                          crc: UInt32(u32(b, p + 16)), compressedSize: u32(b, p + 20), size: u32(b, p + 24), localOffset: u32(b, p + 42))
            // zip64 extra field: values present only for the fields saturated above.
            var x = p + 46 + nameLen
            let xEnd = x + extraLen
            while x + 4 <= xEnd {
                let id = u16(b, x), len = u16(b, x + 2)
                if id == 1 {
                    var q = x + 4
                    let fieldEnd = min(xEnd, x + 4 + len)
                    func next() throws(DataFileError) -> Int {
                        guard q + 8 <= fieldEnd else { throw fail("corrupt zip64 extra field") }
                        defer { q += 8 }
                        return u64(b, q)
                    }
                    if e.size == 0xFFFF_FFFF { e.size = try next() }
                    if e.compressedSize == 0xFFFF_FFFF { e.compressedSize = try next() }
                    if e.localOffset == 0xFFFF_FFFF { e.localOffset = try next() }
                }
                x += 4 + len
            }
            out.append(e)
            p += 46 + nameLen + extraLen + commentLen
        }
        return out
    }

    static func extract(_ e: Entry, _ b: UnsafeRawBufferPointer, source: String) throws(DataFileError) -> [UInt8] {
        func fail(_ m: String) -> DataFileError { DataFileError(file: source, message: "\(e.name): \(m)") }
        let h = e.localOffset
        guard fits(h, 30, in: b), u32(b, h) == 0x0403_4b50 else { throw fail("bad local header") }
        let start = h + 30 + u16(b, h + 26) + u16(b, h + 28)
        guard fits(start, e.compressedSize, in: b) else { throw fail("truncated member") }
        guard e.size >= 0 else { throw fail("impossible size \(e.size)") }
        let data = UnsafeRawBufferPointer(rebasing: b[start..<(start + e.compressedSize)])
        var out: [UInt8]
        switch e.method {
        case 0: out = Array(data)
        case 8:
            do { out = try Zlib.inflateRaw(data, expectedSize: e.size) } catch { throw fail(error.description) }
        default: throw fail("compression method \(e.method) is not supported")
        }
        guard out.count == e.size else { throw fail("size \(out.count), expected \(e.size)") }
        guard Zlib.crc32(out) == e.crc else { throw fail("CRC mismatch (corrupt file)") }
        return out
    }
}
