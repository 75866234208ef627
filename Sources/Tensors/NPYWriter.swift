import ONNXIO

/// Writes arrays as NumPy `.npy` bytes and `.npz` archives (stored, uncompressed ZIP).
///
/// Each array may be saved as an ONNX element type other than the one it is computed in
/// (an int64 array declared uint8 is written as `|u1`, a float32 array declared float16 as
/// `<f2`); values out of the narrower type's range wrap as a C cast would.
public enum NPYWriter {
    /// The `.npy` file of `a`, written as `type` (default: the array's own type).
    public static func encode(_ a: NDArray, as type: DataType? = nil) -> [UInt8] {
        let (descr, payload) = body(a, type ?? a.elementType.onnxType)
        let dims = a.shape.map(String.init)
        let shape = dims.count == 1 ? "(\(dims[0]),)" : "(" + dims.joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0]
        let n = header.utf8.count
        out += [UInt8(n & 0xFF), UInt8(n >> 8)]
        out += Array(header.utf8)
        out += payload
        return out
    }

    /// A `.npz` archive of named `.npy` members (names get a `.npy` suffix), in order.
    public static func archive(_ members: [(name: String, npy: [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        func le(_ v: Int, _ bytes: Int, into a: inout [UInt8]) {
            for i in 0..<bytes { a.append(UInt8(truncatingIfNeeded: v >> (8 * i))) }
        }
        for m in members {
            let name = Array((m.name + ".npy").utf8)
            let crc = Int(Zlib.crc32(m.npy))
            let offset = out.count
            // Local file header: version 2.0, no flags, stored, fixed 1980-01-01 time stamp.
            var common: [UInt8] = []
            le(20, 2, into: &common); le(0, 2, into: &common); le(0, 2, into: &common)
            le(0, 2, into: &common); le(0x21, 2, into: &common)
            le(crc, 4, into: &common); le(m.npy.count, 4, into: &common); le(m.npy.count, 4, into: &common)
            le(name.count, 2, into: &common); le(0, 2, into: &common)
            le(0x0403_4B50, 4, into: &out)
            out += common + name + m.npy
            le(0x0201_4B50, 4, into: &central)
            le(20, 2, into: &central)
            central += common
            le(0, 2, into: &central); le(0, 2, into: &central); le(0, 2, into: &central)
            le(0, 4, into: &central); le(offset, 4, into: &central)
            central += name
        }
        let cdOffset = out.count
        out += central
        le(0x0605_4B50, 4, into: &out)
        le(0, 2, into: &out); le(0, 2, into: &out)
        le(members.count, 2, into: &out); le(members.count, 2, into: &out)
        le(central.count, 4, into: &out); le(cdOffset, 4, into: &out); le(0, 2, into: &out)
        return out
    }

    private static func bytes<T: BitwiseCopyable>(_ v: [T]) -> [UInt8] {
        v.withUnsafeBytes { Array($0) }
    }

    /// NumPy descr and little-endian payload of `a` as `type`.
    private static func body(_ a: NDArray, _ type: DataType) -> (String, [UInt8]) {
        switch type {
        case .double: return ("<f8", bytes(a.floats.map { Double($0) }))
        case .float16: return ("<f2", bytes(a.floats.map { floatToHalfBits($0) }))
        case .int8, DataType(rawValue: 22): return ("|i1", bytes(a.int64s.map { Int8(truncatingIfNeeded: $0) }))
        case .uint8, DataType(rawValue: 21): return ("|u1", bytes(a.int64s.map { UInt8(truncatingIfNeeded: $0) }))
        case .int16: return ("<i2", bytes(a.int64s.map { Int16(truncatingIfNeeded: $0) }))
        case .uint16: return ("<u2", bytes(a.int64s.map { UInt16(truncatingIfNeeded: $0) }))
        case .int32: return ("<i4", bytes(a.int64s.map { Int32(truncatingIfNeeded: $0) }))
        case .uint32: return ("<u4", bytes(a.int64s.map { UInt32(truncatingIfNeeded: $0) }))
        case .uint64: return ("<u8", bytes(a.int64s.map { UInt64(bitPattern: $0) }))
        case .int64: return ("<i8", bytes(a.int64s))
        case .bool: return ("|b1", a.bools.map { $0 ? 1 : 0 })
        default: return ("<f4", bytes(a.floats))
        }
    }
}

/// float → IEEE half bits (round to nearest even; overflow to infinity).
func floatToHalfBits(_ x: Float) -> UInt16 {
    let sign: UInt16 = x.sign == .minus ? 0x8000 : 0
    if x.isNaN { return 0x7E00 }
    let r = roundToHalf(x)
    let a = abs(r)
    if a.isInfinite { return sign | 0x7C00 }
    if a == 0 { return sign }
    if a < Float(sign: .plus, exponent: -14, significand: 1) {
        return sign | UInt16(a / Float(sign: .plus, exponent: -24, significand: 1))
    }
    let e = UInt16(Int(a.exponent) + 15)
    let man = UInt16((a.bitPattern >> 13) & 0x3FF)
    return sign | e << 10 | man
}
