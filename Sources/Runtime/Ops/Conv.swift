// Conv: runs a node (or a fused chain) through the GEMM or depthwise path.

/// Conv with an epilogue; `weights`/`bias` replace inputs 1 and 2 (BatchNorm folded in),
/// `input` input 0.
func runConv(_ ctx: NodeContext, weights wv: [Float], bias: [Float]?, residual: [Float]?, activation: Activation,
             input: NDArray? = nil) throws -> NDArray {
    let x = try input ?? ctx.input(0), wt = try ctx.input(1)
    let xv = try input.map { $0.floats } ?? ctx.floats(0)
    let (s, outShape) = try convShape(ctx, xShape: x.shape, wt)
    if let bias, bias.count != s.M { throw ctx.fail("B has \(bias.count) values for \(s.M) output channels") }
    let total = s.N * s.M * s.OHW
    if let residual, residual.count != total { throw ctx.fail("residual has \(residual.count) values for \(outShape)") }
    if total == 0 { return NDArray(shape: outShape, floats: []) }
    // Winograd's transformed filters, once per constant weight.
    let u: [Float]? = Winograd.applies(s) ? ctx.cache?.prepared {
        Winograd.filters(wv, s, parallel: ctx.options.parallel,
                         packed: Winograd.blocked(s, ConvEpilogue(native: ctx.options.nativeKernels)))
    } : nil
    // Weights packed for CPUKernels' GEMM (1×1, or a phased convolution), once per constant weight.
    let phased = PhasedConv.applies(s, native: ctx.options.nativeKernels)
    let panels = phased ? phasedPanels(ctx, wv, s) : pointwisePanels(ctx, wv, s)
    let out = ctx.outputFloats(total) { y in
        xv.withUnsafeBufferPointer { px in wv.withUnsafeBufferPointer { pw in
            withOptionalPointer(bias) { pb in withOptionalPointer(residual) { pr in withOptionalPointer(u ?? panels) { pu in
                let ep = ConvEpilogue(bias: pb, residual: pr, activation: activation, native: ctx.options.nativeKernels)
                if let pu, panels != nil, phased, PhasedConv.lanesApply(s) {
                    PhasedConv(s).forwardLanes(px.baseAddress!, packed: pu, y, ep, parallel: ctx.options.parallel)
                    return
                }
                if let pu, panels != nil, phased {
                    PhasedConv(s).forward(px.baseAddress!, panels: pu, y, ep, parallel: ctx.options.parallel)
                    return
                }
                if let pu, panels != nil {
                    convPointwise(px.baseAddress!, pu, y, s, ep, parallel: ctx.options.parallel)
                    return
                }
                convForward(px.baseAddress!, pw.baseAddress!, y, s, ep,
                            strategy: ctx.options.convStrategy, parallel: ctx.options.parallel, winogradFilters: pu)
            } } }
        } }
    }
    return NDArray(shape: outShape, floats: out)
}

/// The packed weights of an ungrouped 1×1 stride-1 convolution for `convPointwise` (cached
/// in the step's FoldCache for a constant weight), nil when that path does not apply: maps
/// under 8 pixels, and maps under 128 pixels with fewer than 128 input channels (a C harness:
/// 0.71× OpenBLAS at 64 × 64 × 49), stay with OpenBLAS.
func pointwisePanels(_ ctx: NodeContext, _ wv: [Float], _ s: ConvShape) -> [Float]? {
    guard s.pointwise, s.group == 1, s.HW >= 128 || (s.HW >= 8 && s.C >= 128), ctx.options.nativeKernels,
          CPUKernels.available else { return nil }
    let pack = { wv.withUnsafeBufferPointer { CPUKernels.packPointwise($0.baseAddress!, m: s.M, k: s.K) ?? [] } }
    return ctx.cache?.prepared(pack) ?? pack()
}

/// Each group's weights packed for `PhasedConv` (cached like the 1×1 panels).
private func phasedPanels(_ ctx: NodeContext, _ wv: [Float], _ s: ConvShape) -> [Float]? {
    if PhasedConv.lanesApply(s) {
        let pack = { wv.withUnsafeBufferPointer { PhasedConv(s).packLanes($0.baseAddress!) ?? [] } }
        return ctx.cache?.prepared(pack) ?? pack()
    }
    let pack = { wv.withUnsafeBufferPointer { CPUKernels.packGrouped($0.baseAddress!, groups: s.group, m: s.Mg, k: s.K) ?? [] } }
    return ctx.cache?.prepared(pack) ?? pack()
}

func registerConv(_ k: inout [String: Kernel]) {
    k["Conv"] = { ctx in
        let b = ctx.optionalInput(2)?.floats
        return [try runConv(ctx, weights: try ctx.floats(1), bias: b, residual: nil, activation: .identity)]
    }
    registerConvTranspose(&k)
}
