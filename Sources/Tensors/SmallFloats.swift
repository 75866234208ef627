import ONNXIO

/// The 8-bit float formats of ONNX (and the 4-bit float e2m1): their values are carried as
/// float32 in the engine; this converts bits to values and rounds values to the format.
package struct MiniFloat: Sendable {
    let exponentBits: Int
    let mantissaBits: Int
    let bias: Int
    /// NaN is the bit pattern 0x80 (no negative zero, no infinity).
    let uz: Bool
    /// IEEE-like: the top exponent holds infinity and NaN.
    let ieee: Bool
    /// Largest finite value.
    package let maxValue: Float

    package static let e4m3fn = MiniFloat(exponentBits: 4, mantissaBits: 3, bias: 7, uz: false, ieee: false, maxValue: 448)
    package static let e4m3fnuz = MiniFloat(exponentBits: 4, mantissaBits: 3, bias: 8, uz: true, ieee: false, maxValue: 240)
    package static let e5m2 = MiniFloat(exponentBits: 5, mantissaBits: 2, bias: 15, uz: false, ieee: true, maxValue: 57344)
    package static let e5m2fnuz = MiniFloat(exponentBits: 5, mantissaBits: 2, bias: 16, uz: true, ieee: false, maxValue: 57344)
    package static let e2m1 = MiniFloat(exponentBits: 2, mantissaBits: 1, bias: 1, uz: false, ieee: false, maxValue: 6)

    init(exponentBits: Int, mantissaBits: Int, bias: Int, uz: Bool, ieee: Bool, maxValue: Float) {
        self.exponentBits = exponentBits
        self.mantissaBits = mantissaBits
        self.bias = bias
        self.uz = uz
        self.ieee = ieee
        self.maxValue = maxValue
    }

    package init?(_ t: DataType) {
        switch t.rawValue {
        case 17: self = .e4m3fn
        case 18: self = .e4m3fnuz
        case 19: self = .e5m2
        case 20: self = .e5m2fnuz
        case 23: self = .e2m1
        default: return nil
        }
    }

    var totalBits: Int { 1 + exponentBits + mantissaBits }

    /// The value of bit pattern `b`.
    package func value(_ b: UInt8) -> Float {
        let signBit = UInt8(1) << (totalBits - 1)
        if uz && b == signBit { return .nan }
        let e = Int(b >> mantissaBits) & ((1 << exponentBits) - 1)
        let m = Int(b) & ((1 << mantissaBits) - 1)
        let negative = b & signBit != 0
        let top = (1 << exponentBits) - 1
        if ieee && e == top { return m == 0 ? (negative ? -.infinity : .infinity) : .nan }
        if !ieee && !uz && totalBits == 8 && e == top && m == (1 << mantissaBits) - 1 { return .nan }
        let mag: Float = e == 0
            ? Float(m) * Float(sign: .plus, exponent: 1 - bias - mantissaBits, significand: 1)
            : Float(sign: .plus, exponent: e - bias, significand: 1 + Float(m) / Float(1 << mantissaBits))
        return negative ? -mag : mag
    }

    /// `x` rounded (to nearest even) to a value of this format; beyond the range it is the
    /// largest value when `saturate`, else infinity (IEEE-like formats) or NaN.
    package func round(_ x: Float, saturate: Bool) -> Float {
        if x.isNaN { return .nan }
        let a = abs(x)
        let overflow: Float = saturate ? maxValue : (ieee ? .infinity : .nan)
        if a.isInfinite { return x < 0 ? -overflow : overflow }
        let emin = 1 - bias
        let e = a == 0 ? emin : max(Int(a.exponent), emin)
        let q = Float(sign: .plus, exponent: e - mantissaBits, significand: 1)
        let r = (a / q).rounded(.toNearestOrEven) * q
        let v = r > maxValue ? overflow : r
        if v == 0 { return uz ? 0 : (x.sign == .minus ? -0.0 : 0) }
        return x < 0 ? -v : v
    }
}

extension NDArray {
    /// Decodes tensors of the 8-bit and 4-bit types (float8 variants, float4e2m1, int4, uint4).
    init(smallTensor t: Tensor) throws {
        let shape = t.dims.map { Int($0) }
        let n = shape.reduce(1, *)
        let packed = [21, 22, 23].contains(t.dataType.rawValue)
        let bytes: [UInt8] = t.rawData.map { $0.elements(as: UInt8.self) } ?? t.int32Data.map { UInt8(truncatingIfNeeded: $0) }
        let need = packed ? (n + 1) / 2 : n
        guard bytes.count == need else {
            throw TensorError.invalidTensor("\(t.name ?? "tensor"): \(bytes.count) bytes for dims \(shape) of \(t.dataType), expected \(need)")
        }
        let codes: [UInt8] = packed ? (0..<n).map { i in (bytes[i / 2] >> (i % 2 == 0 ? 0 : 4)) & 0xF } : bytes
        switch t.dataType.rawValue {
        case 21: self.init(shape: shape, int64s: codes.map { Int64($0) })
        case 22: self.init(shape: shape, int64s: codes.map { Int64($0 >= 8 ? Int($0) - 16 : Int($0)) })
        default:
            guard let f = MiniFloat(t.dataType) else { throw TensorError.unsupportedDataType("\(t.dataType)") }
            self.init(shape: shape, floats: codes.map(f.value))
        }
    }
}
