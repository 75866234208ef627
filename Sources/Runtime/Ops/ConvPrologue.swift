#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The input of a convolution fused with its pre-activation (`PrologueMatch`): the parts
/// (a Concat's inputs, or one array) joined along the channel axis, then
/// max(x · scale[c] + shift[c], 0) with BatchNormalization's scale and shift. A 1×1
/// convolution on CPUKernels applies it while packing its input (no Concat copy, no
/// BatchNormalization pass); every other case builds the input array first.
struct ConvPrologue {
    /// Fused-node input positions: the BatchNormalization's scale, B, mean, var; parts 1….
    static let batchNormInput = 10, firstExtraPart = 14
    let parts: [[Float]]
    let channels: [Int]
    /// N, C (all parts), spatial axes.
    let shape: [Int]
    let scale: [Float], shift: [Float]

    init(_ ctx: NodeContext, epsilon: Float) throws {
        let idx = [0] + Array(Self.firstExtraPart..<max(Self.firstExtraPart, ctx.inputCount))
        let arrays = try idx.map { try ctx.input($0) }
        let first = arrays[0]
        guard first.rank >= 3 else { throw ctx.fail("input must have rank ≥ 3, got \(first.shape)") }
        for a in arrays where a.rank != first.rank || a.shape[0] != first.shape[0] || a.shape[2...] != first.shape[2...] {
            throw ctx.fail("Concat inputs \(arrays.map(\.shape)) differ outside axis 1")
        }
        parts = try idx.map { try ctx.floats($0) }
        channels = arrays.map { $0.shape[1] }
        let C = channels.reduce(0, +)
        shape = [first.shape[0], C] + first.shape[2...]
        let p = try (0..<4).map { try ctx.floats(Self.batchNormInput + $0) }
        guard p.allSatisfy({ $0.count == C }) else { throw ctx.fail("BatchNormalization parameters must have \(C) values") }
        var a = [Float](repeating: 0, count: C), b = a
        for c in 0..<C {
            a[c] = p[0][c] / sqrtf(p[3][c] + epsilon)
            b[c] = p[1][c] - p[2][c] * a[c]
        }
        scale = a
        shift = b
    }

    var spatial: Int { shape.dropFirst(2).reduce(1, *) }

    /// Calls `body` with each part's base address (nil for an empty part).
    func withBases<R>(_ body: ([UnsafePointer<Float>?]) -> R) -> R {
        func go(_ i: Int, _ acc: [UnsafePointer<Float>?]) -> R {
            if i == parts.count { return body(acc) }
            return parts[i].withUnsafeBufferPointer { go(i + 1, acc + [$0.baseAddress]) }
        }
        return go(0, [])
    }

    /// rows[c] = plane c of image n of the joined input (before the affine).
    func rows(image n: Int, bases: [UnsafePointer<Float>?], into rows: UnsafeMutablePointer<UnsafePointer<Float>?>) {
        let S = spatial
        var c0 = 0
        for (i, C) in channels.enumerated() {
            for c in 0..<C { rows[c0 + c] = bases[i].map { $0 + (n * C + c) * S } }
            c0 += C
        }
    }

    /// The joined, normalised input as one array (planes split over the cores).
    func materialize(pool: ActivationPool?, parallel: Bool) -> NDArray {
        let N = shape[0], C = shape[1], S = spatial
        let out = newFloats(pool, N * C * S) { y in
            withBases { bases in
                RuntimeThreading.chunks(N, parallel: parallel && N * C * S >= 1 << 15) { r in
                    let rows = UnsafeMutablePointer<UnsafePointer<Float>?>.allocate(capacity: max(C, 1))
                    defer { rows.deallocate() }
                    for n in r {
                        self.rows(image: n, bases: bases, into: rows)
                        for c in 0..<C {
                            let src = rows[c]!, dst = y + (n * C + c) * S, a = scale[c], b = shift[c]
                            for j in 0..<S { dst[j] = max(src[j] * a + b, 0) }
                        }
                    }
                }
            }
        }
        return NDArray(shape: shape, floats: out)
    }
}

/// A convolution (with its fused epilogue) whose input is a prologue: a 1×1 convolution that
/// CPUKernels' pointwise GEMM runs packs the prologue's rows itself; anything else runs on
/// the materialised input.
func runConv(_ ctx: NodeContext, prologue pro: ConvPrologue, weights wv: [Float], bias: [Float]?, residual: [Float]?,
             activation: Activation) throws -> NDArray {
    let (s, outShape) = try convShape(ctx, xShape: pro.shape, try ctx.input(1))
    let total = s.N * s.M * s.OHW
    guard total > 0, bias?.count ?? s.M == s.M, residual?.count ?? total == total,
          let panels = pointwisePanels(ctx, wv, s) else {
        let x = pro.materialize(pool: ctx.pool, parallel: ctx.options.parallel)
        return try runConv(ctx, weights: wv, bias: bias, residual: residual, activation: activation, input: x)
    }
    let out = ctx.outputFloats(total) { y in
        pro.withBases { bases in
            panels.withUnsafeBufferPointer { pw in pro.scale.withUnsafeBufferPointer { sc in pro.shift.withUnsafeBufferPointer { sh in
                withOptionalPointer(bias) { pb in withOptionalPointer(residual) { pr in
                    let ep = ConvEpilogue(bias: pb, residual: pr, activation: activation)
                    convPointwiseRows(pw.baseAddress!, s, ep, scale: sc.baseAddress, shift: sh.baseAddress,
                                      parallel: ctx.options.parallel, y) { n, rows in pro.rows(image: n, bases: bases, into: rows) }
                } }
            } } }
        }
    }
    return NDArray(shape: outShape, floats: out)
}
