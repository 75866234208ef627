// Conv: runs a node (or a fused chain) through the GEMM or depthwise path.

/// Conv with an epilogue; `weights`/`bias` replace inputs 1 and 2 (BatchNorm folded in).
func runConv(_ ctx: NodeContext, weights wv: [Float], bias: [Float]?, residual: [Float]?, activation: Activation) throws -> NDArray {
    let x = try ctx.input(0), wt = try ctx.input(1)
    let xv = try ctx.floats(0)
    let (s, outShape) = try convShape(ctx, x, wt)
    if let bias, bias.count != s.M { throw ctx.fail("B has \(bias.count) values for \(s.M) output channels") }
    let total = s.N * s.M * s.OHW
    if let residual, residual.count != total { throw ctx.fail("residual has \(residual.count) values for \(outShape)") }
    if total == 0 { return NDArray(shape: outShape, floats: []) }
    // Winograd's transformed filters, once per constant weight.
    let u: [Float]? = Winograd.applies(s) ? ctx.cache?.prepared { Winograd.filters(wv, s, parallel: ctx.options.parallel) } : nil
    let out = ctx.outputFloats(total) { y in
        xv.withUnsafeBufferPointer { px in wv.withUnsafeBufferPointer { pw in
            withOptionalPointer(bias) { pb in withOptionalPointer(residual) { pr in withOptionalPointer(u) { pu in
                convForward(px.baseAddress!, pw.baseAddress!, y, s,
                            ConvEpilogue(bias: pb, residual: pr, activation: activation, native: ctx.options.nativeKernels),
                            strategy: ctx.options.convStrategy, parallel: ctx.options.parallel, winogradFilters: pu)
            } } }
        } }
    }
    return NDArray(shape: outShape, floats: out)
}

func registerConv(_ k: inout [String: Kernel]) {
    k["Conv"] = { ctx in
        let b = ctx.optionalInput(2)?.floats
        return [try runConv(ctx, weights: try ctx.floats(1), bias: b, residual: nil, activation: .identity)]
    }
    registerConvTranspose(&k)
}
