import ONNXIO

// Shape and data-movement operators, constants and casts.

/// A type-independent transformation of an array's elements.
protocol ArrayTransform {
    func run<T>(_ v: [T]) -> [T]
}

extension NDArray {
    func applying<F: ArrayTransform>(_ f: F, shape: [Int]) -> NDArray {
        switch storage {
        case .float(let v): return NDArray(shape: shape, floats: f.run(v))
        case .int64(let v): return NDArray(shape: shape, int64s: f.run(v))
        case .bool(let v): return NDArray(shape: shape, bools: f.run(v))
        }
    }

    /// The elements read through `strides` from `base` into a contiguous array of `shape`.
    func strided(shape: [Int], strides: [Int], base: Int = 0) -> NDArray {
        struct S: ArrayTransform {
            let shape: [Int], strides: [Int], base: Int
            func run<T>(_ v: [T]) -> [T] { stridedCopy(v, shape: shape, strides: strides, base: base) }
        }
        return applying(S(shape: shape, strides: strides, base: base), shape: shape)
    }
}

/// The value of an ONNX Constant node.
func constantValue(_ ctx: NodeContext) throws -> NDArray {
    if let t = ctx.node.attribute("value")?.t { return try NDArray(tensor: t) }
    if let a = ctx.node.attribute("value_float"), let f = a.f { return NDArray(scalar: f) }
    if let a = ctx.node.attribute("value_floats") { return NDArray(shape: [a.floats.count], floats: a.floats) }
    if let a = ctx.node.attribute("value_int"), let i = a.i { return NDArray(scalar: i) }
    if let a = ctx.node.attribute("value_ints") { return NDArray(shape: [a.ints.count], int64s: a.ints) }
    throw ctx.fail("only value, value_float(s) and value_int(s) are supported")
}

/// ONNX Cast to dtype `to`.
func castArray(_ x: NDArray, to dtype: DataType, _ ctx: NodeContext) throws -> NDArray {
    let t: NDArray.ElementType
    do { t = try NDArray.ElementType(onnx: dtype) } catch { throw ctx.fail("cannot cast to \(dtype)") }
    var r = x.cast(to: t)
    if case .float(let v) = r.storage {
        if dtype == .float16 { r.storage = .float(v.map(roundToHalf)) }
        if dtype == .bfloat16 { r.storage = .float(v.map(roundToBFloat16)) }
        if let f = MiniFloat(dtype) {
            let sat = ctx.int("saturate", 1) != 0
            r.storage = .float(v.map { f.round($0, saturate: sat) })
        }
    }
    if case .int64(let v) = r.storage {
        switch dtype.rawValue {
        case 2: r.storage = .int64(v.map { Int64(UInt8(truncatingIfNeeded: $0)) })
        case 3: r.storage = .int64(v.map { Int64(Int8(truncatingIfNeeded: $0)) })
        case 4: r.storage = .int64(v.map { Int64(UInt16(truncatingIfNeeded: $0)) })
        case 5: r.storage = .int64(v.map { Int64(Int16(truncatingIfNeeded: $0)) })
        case 6: r.storage = .int64(v.map { Int64(Int32(truncatingIfNeeded: $0)) })
        case 12: r.storage = .int64(v.map { Int64(UInt32(truncatingIfNeeded: $0)) })
        case 21, 22:
            let lo: Int64 = dtype.rawValue == 21 ? 0 : -8
            let src = x.elementType == .float32 ? x.floats.map { Int64($0.isNaN ? 0 : max(-64, min(64, $0.rounded(.toNearestOrEven)))) } : v
            r.storage = .int64(src.map { min(max($0, lo), lo + 15) })
        default: break
        }
    }
    return r
}

let shapeKernels: [String: Kernel] = [
    "Identity": identityKernel,
    "Dropout": dropoutKernel,
    "Constant": constantKernel,
    "Shape": shapeKernel,
    "Size": sizeKernel,
    "Cast": castKernel,
    "CastLike": castLikeKernel,
    "ConstantOfShape": constantOfShapeKernel,
    "Range": rangeKernel,
]

/// Registers the shape and data-movement operators of this file and of Reshaping.swift,
/// Slicing.swift and Pad.swift: one kernel function per operator.
func registerShapeOps(_ k: inout [String: Kernel]) {
    for table in [shapeKernels, reshapingKernels, slicingKernels, padKernels] {
        k.merge(table) { $1 }
    }
}

private func identityKernel(_ ctx: NodeContext) throws -> [NDArray] { [try ctx.input(0)] }

private func dropoutKernel(_ ctx: NodeContext) throws -> [NDArray] {
    let x = try ctx.input(0)
    return [x, NDArray(shape: x.shape, bools: [Bool](repeating: true, count: x.count))]
}

private func constantKernel(_ ctx: NodeContext) throws -> [NDArray] { [try constantValue(ctx)] }

private func shapeKernel(_ ctx: NodeContext) throws -> [NDArray] {
    let x = try ctx.input(0)
    let r = x.rank
    func clamp(_ v: Int) -> Int { min(max(v < 0 ? v + r : v, 0), r) }
    let s = clamp(ctx.int("start", 0)), e = clamp(ctx.int("end", r))
    let dims = s < e ? x.shape[s..<e].map { Int64($0) } : []
    return [NDArray(shape: [dims.count], int64s: dims)]
}

private func sizeKernel(_ ctx: NodeContext) throws -> [NDArray] { [NDArray(scalar: Int64(try ctx.input(0).count))] }

private func castKernel(_ ctx: NodeContext) throws -> [NDArray] {
    guard let to = ctx.node.attribute("to")?.i else { throw ctx.fail("attribute 'to' is required") }
    return [try castArray(ctx.input(0), to: DataType(rawValue: Int32(to)), ctx)]
}

private func castLikeKernel(_ ctx: NodeContext) throws -> [NDArray] { [try ctx.input(0).cast(to: ctx.input(1).elementType)] }

private func constantOfShapeKernel(_ ctx: NodeContext) throws -> [NDArray] {
    let shape = try ctx.input(0).int64s.map { Int($0) }
    guard shape.allSatisfy({ $0 >= 0 }) else { throw ctx.fail("negative dimension in \(shape)") }
    let n = shape.reduce(1, *)
    guard let t = ctx.node.attribute("value")?.t else { return [NDArray(shape: shape, floats: [Float](repeating: 0, count: n))] }
    let v = try NDArray(tensor: t)
    guard v.count == 1 else { throw ctx.fail("value must hold one element") }
    switch v.storage {
    case .float(let a): return [NDArray(shape: shape, floats: [Float](repeating: a[0], count: n))]
    case .int64(let a): return [NDArray(shape: shape, int64s: [Int64](repeating: a[0], count: n))]
    case .bool(let a): return [NDArray(shape: shape, bools: [Bool](repeating: a[0], count: n))]
    }
}

private func rangeKernel(_ ctx: NodeContext) throws -> [NDArray] {
    let s = try ctx.input(0), l = try ctx.input(1), d = try ctx.input(2)
    switch s.storage {
    case .int64(let sv):
        let a = sv[0], b = l.int64s[0], st = d.int64s[0]
        guard st != 0 else { throw ctx.fail("delta must not be 0") }
        let n = max(0, Int((Double(b - a) / Double(st)).rounded(.up)))
        return [NDArray(shape: [n], int64s: (0..<n).map { a + Int64($0) * st })]
    case .float(let sv):
        let a = sv[0], b = l.floats[0], st = d.floats[0]
        guard st != 0 else { throw ctx.fail("delta must not be 0") }
        let n = max(0, Int(((b - a) / st).rounded(.up)))
        return [NDArray(shape: [n], floats: (0..<n).map { a + Float($0) * st })]
    case .bool: throw ctx.fail("bool is not supported")
    }
}

