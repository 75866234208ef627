/// Reading and writing a tensor's elements whatever representation the file used.
///
/// Conversions to `Float` are exact for float16, bfloat16 and every integer up to 2^24;
/// writing floats back into float16/bfloat16 rounds to nearest, ties to even.
extension Tensor {
    public struct ValueError: Error, CustomStringConvertible, Sendable {
        public var tensor: String
        public var detail: String
        public var description: String { "tensor '\(tensor)': \(detail)" }
    }

    private func mismatch(_ have: Int) -> ValueError {
        ValueError(tensor: name ?? "?", detail: "holds \(have) values but \(dataType) \(dims) needs \(elementCount)")
    }

    /// The elements as float32 (any float, integer or bool dtype).
    public func floatValues() throws(ValueError) -> [Float] {
        let n = elementCount
        let v: [Float]
        switch dataType {
        case .float:
            v = rawData.map { $0.elements(as: Float.self) } ?? floatData
        case .double:
            v = (rawData.map { $0.elements(as: Double.self) } ?? doubleData).map { Float($0) }
        case .float16:
            v = (rawData.map { $0.elements(as: UInt16.self) } ?? int32Data.map { UInt16(truncatingIfNeeded: $0) }).map(Tensor.halfToFloat)
        case .bfloat16:
            v = (rawData.map { $0.elements(as: UInt16.self) } ?? int32Data.map { UInt16(truncatingIfNeeded: $0) })
                .map { Float(bitPattern: UInt32($0) << 16) }
        default:
            v = try int64Values().map { Float($0) }
        }
        guard v.count == n else { throw mismatch(v.count) }
        return v
    }

    /// The elements as Int64 (any integer or bool dtype; float dtypes are rejected).
    public func int64Values() throws(ValueError) -> [Int64] {
        let v: [Int64]
        if let raw = rawData {
            switch dataType {
            case .int8: v = raw.elements(as: Int8.self).map { Int64($0) }
            case .uint8, .bool: v = raw.elements(as: UInt8.self).map { Int64($0) }
            case .int16: v = raw.elements(as: Int16.self).map { Int64($0) }
            case .uint16: v = raw.elements(as: UInt16.self).map { Int64($0) }
            case .int32: v = raw.elements(as: Int32.self).map { Int64($0) }
            case .uint32: v = raw.elements(as: UInt32.self).map { Int64($0) }
            case .int64: v = raw.elements(as: Int64.self)
            case .uint64: v = raw.elements(as: UInt64.self).map { Int64(bitPattern: $0) }
            default: throw ValueError(tensor: name ?? "?", detail: "\(dataType) is not an integer type")
            }
        } else {
            switch dataType {
            case .int8, .uint8, .bool, .int16, .uint16, .int32: v = int32Data.map { Int64($0) }
            case .int64: v = int64Data
            case .uint32, .uint64: v = uint64Data.map { Int64(bitPattern: $0) }
            default: throw ValueError(tensor: name ?? "?", detail: "\(dataType) is not an integer type")
            }
        }
        guard v.count == elementCount else { throw mismatch(v.count) }
        return v
    }

    /// Replaces the payload with `values` stored as raw data of the tensor's own dtype
    /// (float32, float16, bfloat16 or double), dropping any typed fields.
    public mutating func setFloatValues(_ values: [Float]) throws(ValueError) {
        guard values.count == elementCount else { throw mismatch(values.count) }
        let raw: TensorBytes
        switch dataType {
        case .float: raw = TensorBytes(elements: values)
        case .double: raw = TensorBytes(elements: values.map { Double($0) })
        case .float16: raw = TensorBytes(elements: values.map(Tensor.floatToHalf))
        case .bfloat16: raw = TensorBytes(elements: values.map(Tensor.floatToBFloat16))
        default: throw ValueError(tensor: name ?? "?", detail: "setFloatValues needs a float dtype, not \(dataType)")
        }
        clearTypedFields()
        rawData = raw
    }

    /// The typed-field payload (`float_data`, `int32_data`, ...) encoded as `raw_data` bytes
    /// of the tensor's dtype; nil for strings or when there is nothing to convert.
    public func typedPayloadAsRaw() -> TensorBytes? {
        switch dataType {
        case .float where !floatData.isEmpty: return TensorBytes(elements: floatData)
        case .double where !doubleData.isEmpty: return TensorBytes(elements: doubleData)
        case .int64 where !int64Data.isEmpty: return TensorBytes(elements: int64Data)
        case .uint64 where !uint64Data.isEmpty: return TensorBytes(elements: uint64Data)
        case .uint32 where !uint64Data.isEmpty: return TensorBytes(elements: uint64Data.map { UInt32(truncatingIfNeeded: $0) })
        case .int32 where !int32Data.isEmpty: return TensorBytes(elements: int32Data)
        case .int16, .uint16, .float16, .bfloat16:
            return int32Data.isEmpty ? nil : TensorBytes(elements: int32Data.map { UInt16(truncatingIfNeeded: $0) })
        case .int8, .uint8, .bool:
            return int32Data.isEmpty ? nil : TensorBytes(elements: int32Data.map { UInt8(truncatingIfNeeded: $0) })
        default: return nil
        }
    }

    public mutating func clearTypedFields() {
        floatData = []
        int32Data = []
        int64Data = []
        doubleData = []
        uint64Data = []
    }

    // MARK: half precision

    public static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exp = UInt32(h >> 10) & 0x1f
        let man = UInt32(h & 0x3ff)
        if exp == 0 {
            // zero or subnormal: man * 2^-24
            let f = Float(man) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign != 0 ? -f : f
        }
        if exp == 31 { return Float(bitPattern: sign | 0x7f80_0000 | (man << 13)) }
        return Float(bitPattern: sign | ((exp + 112) << 23) | (man << 13))
    }

    public static func floatToHalf(_ f: Float) -> UInt16 {
        let bits = f.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        if f.isNaN { return sign | 0x7e00 }
        let a = abs(f)
        if a >= 65520 { return sign | 0x7c00 }                  // overflow → inf (65520 rounds up)
        if a < Float(sign: .plus, exponent: -14, significand: 1) {
            // subnormal: round a / 2^-24 to nearest even
            let q = (a * Float(sign: .plus, exponent: 24, significand: 1)).rounded(.toNearestOrEven)
            return sign | UInt16(q)
        }
        let e = Int((bits >> 23) & 0xff) - 127 + 15
        var m = bits & 0x7f_ffff
        var he = UInt32(e)
        // round mantissa from 23 to 10 bits, ties to even
        let rest = m & 0x1fff
        m >>= 13
        if rest > 0x1000 || (rest == 0x1000 && (m & 1) == 1) {
            m += 1
            if m == 0x400 { m = 0; he += 1 }
        }
        return sign | UInt16(he << 10) | UInt16(m)
    }

    public static func floatToBFloat16(_ f: Float) -> UInt16 {
        if f.isNaN { return UInt16(f.bitPattern >> 16) | 0x40 }
        let b = f.bitPattern
        let rounded = b &+ 0x7fff &+ ((b >> 16) & 1)
        return UInt16(rounded >> 16)
    }
}
