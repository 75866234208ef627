#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Comparison and logic operators: Equal, Less, Greater, And, Or, Xor, Not, IsNaN (broadcasting,
// bool results).

let comparisonKernels: [String: Kernel] = [
    "Equal": equalKernel,
    "Less": lessKernel,
    "Greater": greaterKernel,
    "LessOrEqual": lessOrEqualKernel,
    "GreaterOrEqual": greaterOrEqualKernel,
    "And": andKernel,
    "Or": orKernel,
    "Xor": xorKernel,
    "Not": notKernel,
    "IsNaN": isNaNKernel,
]

private func compare(_ ctx: NodeContext, float: @escaping (Float, Float) -> Bool, int: @escaping (Int64, Int64) -> Bool,
                     bool: ((Bool, Bool) -> Bool)? = nil) throws -> [NDArray] {
    let a = try ctx.input(0), b = try ctx.input(1)
    let result: ([Bool], [Int])?
    switch (a.storage, b.storage) {
    case let (.float(x), .float(y)): result = broadcastMap(x, a.shape, y, b.shape, float)
    case let (.int64(x), .int64(y)): result = broadcastMap(x, a.shape, y, b.shape, int)
    case let (.bool(x), .bool(y)):
        guard let bool else { throw ctx.fail("bool inputs are not supported") }
        result = broadcastMap(x, a.shape, y, b.shape, bool)
    default: throw ctx.fail("inputs must have the same type, got \(a.elementType) and \(b.elementType)")
    }
    guard let (r, s) = result else { throw ctx.fail("cannot broadcast \(a.shape) with \(b.shape)") }
    return [NDArray(shape: s, bools: r)]
}

private func equalKernel(_ ctx: NodeContext) throws -> [NDArray] { try compare(ctx, float: ==, int: ==, bool: ==) }

private func lessKernel(_ ctx: NodeContext) throws -> [NDArray] { try compare(ctx, float: <, int: <) }

private func greaterKernel(_ ctx: NodeContext) throws -> [NDArray] { try compare(ctx, float: >, int: >) }

private func lessOrEqualKernel(_ ctx: NodeContext) throws -> [NDArray] { try compare(ctx, float: <=, int: <=) }

private func greaterOrEqualKernel(_ ctx: NodeContext) throws -> [NDArray] { try compare(ctx, float: >=, int: >=) }

private func andKernel(_ ctx: NodeContext) throws -> [NDArray] { try compare(ctx, float: { _, _ in false }, int: { _, _ in false }, bool: { $0 && $1 }) }

private func orKernel(_ ctx: NodeContext) throws -> [NDArray] { try compare(ctx, float: { _, _ in false }, int: { _, _ in false }, bool: { $0 || $1 }) }

private func xorKernel(_ ctx: NodeContext) throws -> [NDArray] { try compare(ctx, float: { _, _ in false }, int: { _, _ in false }, bool: { $0 != $1 }) }

private func notKernel(_ ctx: NodeContext) throws -> [NDArray] {
    let x = try ctx.input(0)
    guard case .bool(let v) = x.storage else { throw ctx.fail("input must be bool") }
    return [NDArray(shape: x.shape, bools: v.map { !$0 })]
}

private func isNaNKernel(_ ctx: NodeContext) throws -> [NDArray] {
    let x = try ctx.input(0)
    return [NDArray(shape: x.shape, bools: try ctx.floats(0).map { $0.isNaN })]
}
