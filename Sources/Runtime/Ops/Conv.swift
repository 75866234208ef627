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
    let out = [Float](unsafeUninitializedCapacity: total) { buf, c in
        xv.withUnsafeBufferPointer { px in wv.withUnsafeBufferPointer { pw in
            withOptionalPointer(bias) { pb in withOptionalPointer(residual) { pr in
                convForward(px.baseAddress!, pw.baseAddress!, buf.baseAddress!, s,
                            ConvEpilogue(bias: pb, residual: pr, activation: activation),
                            strategy: ctx.options.convStrategy, parallel: ctx.options.parallel)
            } }
        } }
        c = total
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
