/// Minimal zip reader (stored and deflated members, zip64) for `.npz` files.
enum Zip {
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

    static func entries(_ b: UnsafeRawBufferPointer, source: String) throws -> [Entry] {
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
                    func next() throws -> Int {
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

    static func extract(_ e: Entry, _ b: UnsafeRawBufferPointer, source: String) throws -> [UInt8] {
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
        case 8: out = try Inflate.inflate(data, expectedSize: e.size, fail: fail)
        default: throw fail("compression method \(e.method) is not supported")
        }
        guard out.count == e.size else { throw fail("size \(out.count), expected \(e.size)") }
        guard crc32(out) == e.crc else { throw fail("CRC mismatch (corrupt file)") }
        return out
    }

    static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ d: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        crcTable.withUnsafeBufferPointer { t in
            for x in d { c = t[Int((c ^ UInt32(x)) & 0xFF)] ^ (c >> 8) }
        }
        return c ^ 0xFFFF_FFFF
    }
}

/// Raw DEFLATE (RFC 1951) decoder.
enum Inflate {
    struct Huffman {
        var counts = [Int](repeating: 0, count: 16)
        var symbols: [Int] = []
        init(lengths: ArraySlice<Int>) {
            for l in lengths { counts[l] += 1 }
            counts[0] = 0
            var offs = [Int](repeating: 0, count: 16)
            for i in 1..<16 { offs[i] = offs[i - 1] + counts[i - 1] }
            symbols = [Int](repeating: 0, count: lengths.count)
            for (s, l) in lengths.enumerated() where l != 0 {
                symbols[offs[l]] = s
                offs[l] += 1
            }
        }
    }

    struct Bits {
        let d: UnsafeRawBufferPointer
        var pos = 0
        var buf = 0
        var cnt = 0
        mutating func bits(_ n: Int) throws -> Int {
            while cnt < n {
                guard pos < d.count else { throw InflateError.truncated }
                buf |= Int(d[pos]) << cnt
                pos += 1
                cnt += 8
            }
            let v = buf & ((1 << n) - 1)
            buf >>= n
            cnt -= n
            return v
        }
        mutating func decode(_ h: Huffman) throws -> Int {
            var code = 0, first = 0, index = 0
            for len in 1..<16 {
                code |= try bits(1)
                let c = h.counts[len]
                if code - c < first { return h.symbols[index + (code - first)] }
                index += c
                first += c
                first <<= 1
                code <<= 1
            }
            throw InflateError.badCode
        }
    }

    enum InflateError: Error { case truncated, badCode, badBlock, tooLong }

    static let lbase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lext = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let dbase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
                        4097, 6145, 8193, 12289, 16385, 24577]
    static let dext = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    static func inflate(_ d: UnsafeRawBufferPointer, expectedSize: Int, fail: (String) -> DataFileError) throws -> [UInt8] {
        // DEFLATE expands at most 1032:1, so the declared size is trusted only that far; the
        // output may not outgrow it either (a zip bomb stops at the declared size).
        var out: [UInt8] = []
        out.reserveCapacity(min(expectedSize, d.count * 1032 + 1024))
        var s = Bits(d: d)
        do {
            var last = 0
            repeat {
                last = try s.bits(1)
                let type = try s.bits(2)
                switch type {
                case 0:
                    s.buf = 0; s.cnt = 0
                    guard s.pos + 4 <= d.count else { throw InflateError.truncated }
                    let len = Int(d[s.pos]) | Int(d[s.pos + 1]) << 8
                    s.pos += 4
                    guard s.pos + len <= d.count else { throw InflateError.truncated }
                    guard out.count + len <= expectedSize else { throw InflateError.tooLong }
                    out.append(contentsOf: d[s.pos..<(s.pos + len)])
                    s.pos += len
                case 1, 2:
                    var lit: Huffman, dist: Huffman
                    if type == 1 {
                        var l = [Int](repeating: 8, count: 288)
                        for i in 144..<256 { l[i] = 9 }
                        for i in 256..<280 { l[i] = 7 }
                        lit = Huffman(lengths: l[...])
                        dist = Huffman(lengths: [Int](repeating: 5, count: 30)[...])
                    } else {
                        let nlen = try s.bits(5) + 257, ndist = try s.bits(5) + 1, ncode = try s.bits(4) + 4
                        let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
                        var cl = [Int](repeating: 0, count: 19)
                        for i in 0..<ncode { cl[order[i]] = try s.bits(3) }
                        let ch = Huffman(lengths: cl[...])
                        var lengths = [Int](repeating: 0, count: nlen + ndist)
                        var i = 0
                        while i < nlen + ndist {
                            let sym = try s.decode(ch)
                            if sym < 16 { lengths[i] = sym; i += 1; continue }
                            var rep = 0, val = 0
                            if sym == 16 {
                                guard i > 0 else { throw InflateError.badBlock }
                                val = lengths[i - 1]; rep = 3 + (try s.bits(2))
                            } else if sym == 17 { rep = 3 + (try s.bits(3)) } else { rep = 11 + (try s.bits(7)) }
                            guard i + rep <= nlen + ndist else { throw InflateError.badBlock }
                            for _ in 0..<rep { lengths[i] = val; i += 1 }
                        }
                        lit = Huffman(lengths: lengths[0..<nlen])
                        dist = Huffman(lengths: lengths[nlen...])
                    }
                    while true {
                        let sym = try s.decode(lit)
                        if sym < 256 {
                            guard out.count < expectedSize else { throw InflateError.tooLong }
                            out.append(UInt8(sym)); continue
                        }
                        if sym == 256 { break }
                        let li = sym - 257
                        guard li < 29 else { throw InflateError.badCode }
                        let len = lbase[li] + (try s.bits(lext[li]))
                        let di = try s.decode(dist)
                        guard di < 30 else { throw InflateError.badCode }
                        let dd = dbase[di] + (try s.bits(dext[di]))
                        guard dd <= out.count else { throw InflateError.badBlock }
                        guard out.count + len <= expectedSize else { throw InflateError.tooLong }
                        let from = out.count - dd
                        for k in 0..<len { out.append(out[from + k]) }
                    }
                default: throw InflateError.badBlock
                }
            } while last == 0
        } catch let e as InflateError {
            throw fail(e == .truncated ? "compressed data is truncated"
                       : e == .tooLong ? "expands beyond its declared size \(expectedSize)" : "corrupt compressed data")
        }
        return out
    }
}
