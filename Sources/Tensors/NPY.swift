import ONNXIO

/// An error reading a `.npy`/`.npz`/`.pb` data file.
public struct DataFileError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var message: String
    public init(file: String, message: String) {
        self.file = file
        self.message = message
    }
    public var description: String { "\(file): \(message)" }
}

/// NumPy `.npy` and `.npz` files (C order; float32, float64, float16, (u)int8/16/32/64, bool).
///
/// Floating types become float32 arrays, integer types int64, bool bool.
public enum NPY {
    /// Reads a `.npy` file.
    public static func read(path: String) throws(DataFileError) -> NDArray {
        let bytes = try readFile(path)
        return try bytes.withUnsafeBytes { (b) throws(DataFileError) in try decode(b, source: path) }
    }

    /// Reads a `.npy` file and checks its element type and (where given) its dimensions.
    public static func read(path: String, as type: NDArray.ElementType, shape: [Int?]? = nil) throws(DataFileError) -> NDArray {
        let a = try read(path: path)
        try check(a, type: type, shape: shape, source: path)
        return a
    }

    /// Reads all arrays of a `.npz` file, keyed by name (without `.npy`).
    public static func readArchive(path: String) throws(DataFileError) -> [String: NDArray] {
        let bytes = try readFile(path)
        return try bytes.withUnsafeBytes { (b) throws(DataFileError) in try decodeArchive(b, source: path) }
    }

    /// Fails unless `a` holds `type` and matches `shape` (nil entries match any size).
    public static func check(_ a: NDArray, type: NDArray.ElementType, shape: [Int?]?, source: String) throws(DataFileError) {
        if a.elementType != type {
            throw DataFileError(file: source, message: "holds \(a.elementType) data, expected \(type)")
        }
        if let shape {
            let ok = shape.count == a.rank && zip(shape, a.shape).allSatisfy { $0 == nil || $0! == $1 }
            if !ok {
                throw DataFileError(file: source, message: "has shape \(a.shape), expected [\(shape.map { $0.map(String.init) ?? "?" }.joined(separator: ", "))]")
            }
        }
    }

    static func readFile(_ path: String) throws(DataFileError) -> TensorBytes {
        do { return try FileIO.read(path) } catch { throw DataFileError(file: path, message: "\(error)") }
    }

    /// Decodes the bytes of a `.npy` file.
    public static func decode(_ b: UnsafeRawBufferPointer, source: String = "<memory>") throws(DataFileError) -> NDArray {
        func fail(_ m: String) -> DataFileError { DataFileError(file: source, message: m) }
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard b.count >= 10, Array(b[0..<6]) == magic else { throw fail("not a .npy file (bad magic)") }
        let major = b[6]
        let headerLen: Int, start: Int
        switch major {
        case 1:
            headerLen = Int(b[8]) | Int(b[9]) << 8
            start = 10
        case 2, 3:
            guard b.count >= 12 else { throw fail("truncated header") }
            headerLen = Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24
            start = 12
        default: throw fail("unsupported .npy version \(major)")
        }
        guard b.count >= start + headerLen else { throw fail("truncated header (\(b.count) bytes, header needs \(start + headerLen))") }
        let header = String(decoding: b[start..<(start + headerLen)], as: UTF8.self)
        let descr = try headerValue(header, "descr", source: source)
        let fortran = try headerValue(header, "fortran_order", source: source)
        let shapeText = try headerValue(header, "shape", source: source)
        guard descr.hasPrefix("'") || descr.hasPrefix("\"") else {
            throw fail("structured dtype \(descr) is not supported")
        }
        let d = String(descr.dropFirst().dropLast())
        if fortran.hasPrefix("True") { throw fail("Fortran-order arrays are not supported (save with np.ascontiguousarray)") }
        guard fortran.hasPrefix("False") else { throw fail("bad fortran_order \(fortran)") }
        let dims = shapeText.trimmingCharacters(in: "()").split(separator: ",").map { $0.trimmingCharacters(in: " ") }.filter { !$0.isEmpty }
        var shape: [Int] = []
        for s in dims {
            guard let v = Int(s), v >= 0 else { throw fail("bad shape \(shapeText)") }
            shape.append(v)
        }
        if d.contains("O") { throw fail("pickled object arrays ('\(d)') are not supported") }
        guard d.count >= 3 else { throw fail("unsupported dtype '\(d)'") }
        let order = d.first!, kind = d.dropFirst().first!
        // An item size is a few decimal digits; a sign or a huge value would overflow below.
        guard let size = Int(d.dropFirst(2)), (1...64).contains(size) else { throw fail("unsupported dtype '\(d)'") }
        if kind == "O" { throw fail("pickled object arrays are not supported") }
        if order == ">" && size > 1 { throw fail("big-endian dtype '\(d)' is not supported") }
        guard "<|=".contains(order) || size == 1 else { throw fail("unsupported dtype '\(d)'") }
        let data = start + headerLen
        // The shape is trusted only as far as the file has bytes for it (checked before
        // anything is allocated, without overflowing on absurd dimensions).
        var n = 1
        for v in shape {
            let (p, overflow) = n.multipliedReportingOverflow(by: v)
            guard !overflow else { throw fail("impossible shape \(shape): its element count overflows") }
            n = p
        }
        let (need, overflow) = n.multipliedReportingOverflow(by: size)
        guard !overflow, need <= b.count - data else {
            throw fail("truncated: shape \(shape) of '\(d)' needs " + (overflow ? "more" : "\(need)") + " data bytes, the file has \(b.count - data)")
        }
        if b.count - data > need { throw fail("\(b.count - data - need) bytes after the data of shape \(shape) of '\(d)' (shape/dtype mismatch?)") }
        let raw = UnsafeRawBufferPointer(rebasing: b[data..<(data + need)])
        func load<T: BitwiseCopyable>(_: T.Type) -> [T] {
            [T](unsafeUninitializedCapacity: n) { buf, c in
                if n > 0 { UnsafeMutableRawPointer(buf.baseAddress!).copyMemory(from: raw.baseAddress!, byteCount: need) }
                c = n
            }
        }
        switch (kind, size) {
        case ("f", 4): return NDArray(shape: shape, floats: load(Float.self))
        case ("f", 8): return NDArray(shape: shape, floats: load(Double.self).map { Float($0) })
        case ("f", 2): return NDArray(shape: shape, floats: load(UInt16.self).map(halfToFloat))
        case ("i", 8): return NDArray(shape: shape, int64s: load(Int64.self))
        case ("i", 4): return NDArray(shape: shape, int64s: load(Int32.self).map { Int64($0) })
        case ("i", 2): return NDArray(shape: shape, int64s: load(Int16.self).map { Int64($0) })
        case ("i", 1): return NDArray(shape: shape, int64s: load(Int8.self).map { Int64($0) })
        case ("u", 1): return NDArray(shape: shape, int64s: load(UInt8.self).map { Int64($0) })
        case ("u", 2): return NDArray(shape: shape, int64s: load(UInt16.self).map { Int64($0) })
        case ("u", 4): return NDArray(shape: shape, int64s: load(UInt32.self).map { Int64($0) })
        case ("u", 8): return NDArray(shape: shape, int64s: load(UInt64.self).map { Int64(truncatingIfNeeded: $0) })
        case ("b", 1): return NDArray(shape: shape, bools: load(UInt8.self).map { $0 != 0 })
        default: throw fail("unsupported dtype '\(d)'")
        }
    }

    /// The text after `'key':` in a header dict, up to the next top-level comma.
    private static func headerValue(_ h: String, _ key: String, source: String) throws(DataFileError) -> String {
        guard let r = find(h, "'\(key)':") else {
            throw DataFileError(file: source, message: "header has no '\(key)': \(h)")
        }
        var depth = 0
        var out = ""
        for ch in h[r...] {
            if ch == "(" || ch == "[" { depth += 1 }
            if ch == ")" || ch == "]" { depth -= 1 }
            if (ch == "," || ch == "}") && depth == 0 { break }
            out.append(ch)
            if depth < 0 { break }
        }
        return out.trimmingCharacters(in: " ")
    }

    /// Decodes the bytes of a `.npz` (zip) archive: stored or deflated members.
    public static func decodeArchive(_ b: UnsafeRawBufferPointer, source: String = "<memory>") throws(DataFileError) -> [String: NDArray] {
        var result: [String: NDArray] = [:]
        for e in try Zip.entries(b, source: source) where e.name.hasSuffix(".npy") {
            let data = try Zip.extract(e, b, source: source)
            let key = String(e.name.dropLast(4))
            // Array.withUnsafeBytes rethrows untyped; only decode's DataFileError can come out.
            do { result[key] = try data.withUnsafeBytes { try decode($0, source: "\(source)[\(e.name)]") } } catch let e as DataFileError {
                throw e
            } catch { throw DataFileError(file: source, message: "\(error)") }
        }
        return result
    }
}

/// The index just after the first occurrence of `needle` in `h`.
private func find(_ h: String, _ needle: String) -> String.Index? {
    let n = Array(needle.utf8)
    let u = h.utf8
    var i = u.startIndex
    while i != u.endIndex {
        var j = i, k = 0
        while k < n.count && j != u.endIndex && u[j] == n[k] { j = u.index(after: j); k += 1 }
        if k == n.count { return j }
        i = u.index(after: i)
    }
    return nil
}

extension StringProtocol {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}

extension NDArray {
    /// Reads an array from a `.npy` file or an ONNX `TensorProto` `.pb` file (by extension).
    public static func read(path: String) throws(DataFileError) -> NDArray {
        if path.hasSuffix(".npy") { return try NPY.read(path: path) }
        if path.hasSuffix(".pb") {
            let t: Tensor
            do { t = try Tensor.load(path: path) } catch { throw DataFileError(file: path, message: "\(error)") }
            do { return try NDArray(tensor: t) } catch { throw DataFileError(file: path, message: "\(error)") }
        }
        throw DataFileError(file: path, message: "unknown data file type (expected .npy or .pb)")
    }
}
