import ONNXIO

/// A dense n-dimensional array in C (row-major) order: the values that flow through a graph.
///
/// Three element types cover what inference needs: float32 for data, int64 for shapes and
/// indices (every ONNX integer type maps here), bool for masks. float16/float64/bfloat16
/// tensors are read as float32. Copies share storage (Swift arrays are copy-on-write).
public struct NDArray: Sendable, Equatable, CustomStringConvertible {
    public enum ElementType: String, Sendable, Equatable {
        case float32, int64, bool
    }

    public enum Storage: Sendable, Equatable {
        case float([Float])
        case int64([Int64])
        case bool([Bool])
    }

    public var shape: [Int]
    public var storage: Storage

    public init(shape: [Int], floats: [Float]) {
        precondition(shape.reduce(1, *) == floats.count, "NDArray: shape \(shape) needs \(shape.reduce(1, *)) elements, got \(floats.count)")
        self.shape = shape
        self.storage = .float(floats)
    }

    public init(shape: [Int], int64s: [Int64]) {
        precondition(shape.reduce(1, *) == int64s.count, "NDArray: shape \(shape) needs \(shape.reduce(1, *)) elements, got \(int64s.count)")
        self.shape = shape
        self.storage = .int64(int64s)
    }

    public init(shape: [Int], bools: [Bool]) {
        precondition(shape.reduce(1, *) == bools.count, "NDArray: shape \(shape) needs \(shape.reduce(1, *)) elements, got \(bools.count)")
        self.shape = shape
        self.storage = .bool(bools)
    }

    /// A rank-0 float32 array.
    public init(scalar: Float) { self.init(shape: [], floats: [scalar]) }
    /// A rank-0 int64 array.
    public init(scalar: Int64) { self.init(shape: [], int64s: [scalar]) }

    /// An array of `shape` filled with zeros of `type`.
    public init(zeros shape: [Int], type: ElementType = .float32) {
        let n = shape.reduce(1, *)
        switch type {
        case .float32: self.init(shape: shape, floats: [Float](repeating: 0, count: n))
        case .int64: self.init(shape: shape, int64s: [Int64](repeating: 0, count: n))
        case .bool: self.init(shape: shape, bools: [Bool](repeating: false, count: n))
        }
    }

    public var elementType: ElementType {
        switch storage {
        case .float: return .float32
        case .int64: return .int64
        case .bool: return .bool
        }
    }

    public var rank: Int { shape.count }
    /// Number of elements (1 for a scalar).
    public var count: Int { shape.reduce(1, *) }

    /// The elements as float32 (converted if the array holds int64 or bool).
    public var floats: [Float] {
        switch storage {
        case .float(let v): return v
        case .int64(let v): return v.map { Float($0) }
        case .bool(let v): return v.map { $0 ? 1 : 0 }
        }
    }

    /// The elements as int64 (floats truncated toward zero, bools as 0/1).
    public var int64s: [Int64] {
        switch storage {
        case .float(let v): return v.map { $0.isFinite ? Int64(exactly: $0.rounded(.towardZero)) ?? (($0 < 0) ? Int64.min : Int64.max) : 0 }
        case .int64(let v): return v
        case .bool(let v): return v.map { $0 ? 1 : 0 }
        }
    }

    /// The elements as bool (non-zero is true).
    public var bools: [Bool] {
        switch storage {
        case .float(let v): return v.map { $0 != 0 }
        case .int64(let v): return v.map { $0 != 0 }
        case .bool(let v): return v
        }
    }

    /// The array converted to `type` (ONNX Cast semantics: float→int truncates).
    public func cast(to type: ElementType) -> NDArray {
        if type == elementType { return self }
        switch type {
        case .float32: return NDArray(shape: shape, floats: floats)
        case .int64: return NDArray(shape: shape, int64s: int64s)
        case .bool: return NDArray(shape: shape, bools: bools)
        }
    }

    /// The same elements viewed with another shape of equal element count.
    public func reshaped(_ newShape: [Int]) -> NDArray {
        precondition(newShape.reduce(1, *) == count, "NDArray.reshaped: \(shape) → \(newShape)")
        var r = self
        r.shape = newShape
        return r
    }

    /// Rows `range` along axis 0 (a copy).
    public func slice(rows range: Range<Int>) -> NDArray {
        precondition(!shape.isEmpty && range.lowerBound >= 0 && range.upperBound <= shape[0])
        let inner = shape.dropFirst().reduce(1, *)
        var s = shape
        s[0] = range.count
        let r = (range.lowerBound * inner)..<(range.upperBound * inner)
        switch storage {
        case .float(let v): return NDArray(shape: s, floats: Array(v[r]))
        case .int64(let v): return NDArray(shape: s, int64s: Array(v[r]))
        case .bool(let v): return NDArray(shape: s, bools: Array(v[r]))
        }
    }

    public var description: String {
        let n = count
        let head: String
        switch storage {
        case .float(let v): head = v.prefix(8).map { "\($0)" }.joined(separator: ", ")
        case .int64(let v): head = v.prefix(8).map { "\($0)" }.joined(separator: ", ")
        case .bool(let v): head = v.prefix(8).map { "\($0)" }.joined(separator: ", ")
        }
        return "NDArray<\(elementType)>\(shape)[\(head)\(n > 8 ? ", …" : "")]"
    }
}

// MARK: - ONNX tensors

extension NDArray.ElementType {
    /// The runtime element type ONNX `dtype` is computed in.
    public init(onnx dtype: DataType) throws {
        switch dtype.rawValue {
        case 1, 10, 11, 16: self = .float32
        case 2, 3, 4, 5, 6, 7, 12, 13: self = .int64
        case 9: self = .bool
        default: throw TensorError.unsupportedDataType("\(dtype)")
        }
    }

    /// The ONNX dtype an output of this type is saved as.
    public var onnxType: DataType {
        switch self {
        case .float32: return .float
        case .int64: return .int64
        case .bool: return .bool
        }
    }
}

extension NDArray {
    /// Converts an ONNX tensor (raw_data or typed fields) into an array.
    public init(tensor t: Tensor) throws {
        let shape = t.dims.map { Int($0) }
        let dt = t.dataType
        let what = t.name ?? "tensor"
        // Dims come from the file: refuse any whose product overflows before using them.
        var n = 1
        for d in shape {
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard d >= 0, !overflow, p <= Int.max / 16 else {
                throw TensorError.invalidTensor("\(what): impossible dims \(shape)")
            }
            n = p
        }
        func raw<T: BitwiseCopyable>(_: T.Type) throws -> [T]? {
            guard let r = t.rawData else { return nil }
            guard r.count == n * MemoryLayout<T>.stride else {
                throw TensorError.invalidTensor("\(what): raw_data has \(r.count) bytes, dims \(shape) of \(dt) need \(n * MemoryLayout<T>.stride)")
            }
            return r.elements(as: T.self)
        }
        func check<T>(_ v: [T]) throws -> [T] {
            guard v.count == n else {
                throw TensorError.invalidTensor("\(what): \(v.count) values for dims \(shape)")
            }
            return v
        }
        switch dt.rawValue {
        case 1:
            self.init(shape: shape, floats: try check(try raw(Float.self) ?? t.floatData))
        case 11:
            self.init(shape: shape, floats: try check((try raw(Double.self) ?? t.doubleData).map { Float($0) }))
        case 10:
            let bits = try raw(UInt16.self) ?? t.int32Data.map { UInt16(truncatingIfNeeded: $0) }
            self.init(shape: shape, floats: try check(bits.map(halfToFloat)))
        case 16:
            let bits = try raw(UInt16.self) ?? t.int32Data.map { UInt16(truncatingIfNeeded: $0) }
            self.init(shape: shape, floats: try check(bits.map { Float(bitPattern: UInt32($0) << 16) }))
        case 7:
            self.init(shape: shape, int64s: try check(try raw(Int64.self) ?? t.int64Data))
        case 6:
            self.init(shape: shape, int64s: try check((try raw(Int32.self) ?? t.int32Data).map { Int64($0) }))
        case 5:
            self.init(shape: shape, int64s: try check((try raw(Int16.self)?.map { Int64($0) }) ?? t.int32Data.map { Int64($0) }))
        case 4:
            self.init(shape: shape, int64s: try check((try raw(UInt16.self)?.map { Int64($0) }) ?? t.int32Data.map { Int64($0) }))
        case 3:
            self.init(shape: shape, int64s: try check((try raw(Int8.self)?.map { Int64($0) }) ?? t.int32Data.map { Int64($0) }))
        case 2:
            self.init(shape: shape, int64s: try check((try raw(UInt8.self)?.map { Int64($0) }) ?? t.int32Data.map { Int64($0) }))
        case 12:
            self.init(shape: shape, int64s: try check((try raw(UInt32.self)?.map { Int64($0) }) ?? t.uint64Data.map { Int64(truncatingIfNeeded: $0) }))
        case 13:
            self.init(shape: shape, int64s: try check((try raw(UInt64.self) ?? t.uint64Data).map { Int64(truncatingIfNeeded: $0) }))
        case 9:
            self.init(shape: shape, bools: try check((try raw(UInt8.self)?.map { $0 != 0 }) ?? t.int32Data.map { $0 != 0 }))
        default:
            throw TensorError.unsupportedDataType("\(dt) (\(what))")
        }
    }

    /// The array as an ONNX tensor in raw_data (float32, int64 or bool).
    public func tensor(name: String? = nil) -> Tensor {
        let dims = shape.map { Int64($0) }
        switch storage {
        case .float(let v): return Tensor(name: name, dataType: .float, dims: dims, rawData: TensorBytes(elements: v))
        case .int64(let v): return Tensor(name: name, dataType: .int64, dims: dims, rawData: TensorBytes(elements: v))
        case .bool(let v): return Tensor(name: name, dataType: .bool, dims: dims, rawData: TensorBytes(elements: v.map { UInt8($0 ? 1 : 0) }))
        }
    }
}

/// IEEE half → float.
@inline(__always)
package func halfToFloat(_ h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exp = Int((h >> 10) & 0x1F)
    let man = UInt32(h & 0x3FF)
    if exp == 0 {
        if man == 0 { return Float(bitPattern: sign) }
        let v = Float(man) * Float(sign: .plus, exponent: -24, significand: 1)
        return sign != 0 ? -v : v
    }
    if exp == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (man << 13)) }
    return Float(bitPattern: sign | UInt32(exp - 15 + 127) << 23 | (man << 13))
}

/// float → nearest float16 value (round to nearest even), returned as float.
package func roundToHalf(_ x: Float) -> Float {
    if !x.isFinite { return x }
    let a = abs(x)
    if a >= 65520 { return x < 0 ? -.infinity : .infinity }
    if a < Float(sign: .plus, exponent: -14, significand: 1) {
        // Subnormal half: quantum 2^-24.
        let q = Float(sign: .plus, exponent: -24, significand: 1)
        return (x / q).rounded(.toNearestOrEven) * q
    }
    let e = a.exponent
    let q = Float(sign: .plus, exponent: e - 10, significand: 1)
    return (x / q).rounded(.toNearestOrEven) * q
}

/// float → nearest bfloat16 value (round to nearest even), returned as float.
package func roundToBFloat16(_ x: Float) -> Float {
    if x.isNaN { return x }
    let b = x.bitPattern
    let r = b &+ 0x7FFF &+ ((b >> 16) & 1)
    return Float(bitPattern: r & 0xFFFF_0000)
}
