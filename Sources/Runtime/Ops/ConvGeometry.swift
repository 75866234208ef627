// Convolution geometry: shapes, groups and the checks of a Conv node.

/// Geometry of a 2-D (or widened 1-D) convolution.
struct ConvShape {
    var N, C, M, group: Int
    var h, w: AxisPlan
    var Cg: Int { C / group }
    var Mg: Int { M / group }
    var HW: Int { h.input * w.input }
    var OHW: Int { h.output * w.output }
    var K: Int { Cg * h.kernel * w.kernel }
    var pointwise: Bool {
        h.kernel == 1 && w.kernel == 1 && h.stride == 1 && w.stride == 1
            && h.padBegin == 0 && w.padBegin == 0 && h.padEnd == 0 && w.padEnd == 0
    }
    /// One input channel per group (any channel multiplier).
    var depthwise: Bool { Cg == 1 && group > 1 }
}

/// Checks a Conv node's inputs and attributes and returns its geometry and output shape.
func convShape(_ ctx: NodeContext, _ x: NDArray, _ wt: NDArray) throws -> (ConvShape, [Int]) {
    try convShape(ctx, xShape: x.shape, wt)
}

/// The same for an input of shape `xs`.
func convShape(_ ctx: NodeContext, xShape xs: [Int], _ wt: NDArray) throws -> (ConvShape, [Int]) {
    guard xs.count >= 3, wt.rank == xs.count else { throw ctx.fail("X \(xs) and W \(wt.shape) must have the same rank ≥ 3") }
    let N = xs[0], C = xs[1], M = wt.shape[0]
    let group = ctx.int("group", 1)
    guard group > 0, C % group == 0, M % group == 0, wt.shape[1] == C / group else {
        throw ctx.fail("X has \(C) channels, W \(wt.shape), group \(group)")
    }
    let kernel = ctx.ints("kernel_shape") ?? Array(wt.shape.dropFirst(2))
    guard kernel == Array(wt.shape.dropFirst(2)) else { throw ctx.fail("kernel_shape \(kernel) differs from W \(wt.shape)") }
    let plans = try planAxes(ctx, input: Array(xs.dropFirst(2)), kernel: kernel)
    let (h, w) = try as2D(plans, ctx)
    return (ConvShape(N: N, C: C, M: M, group: group, h: h, w: w), [N, M] + plans.map(\.output))
}

@inline(__always)
func withOptionalPointer<R>(_ a: [Float]?, _ body: (UnsafePointer<Float>?) throws -> R) rethrows -> R {
    if let a { return try a.withUnsafeBufferPointer { try body($0.baseAddress!) } }
    return try body(nil)
}
