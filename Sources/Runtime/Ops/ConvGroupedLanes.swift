/// Grouped convolutions with few output channels per group (RegNetX's 16) through
/// CKernels' `ck_grouped_conv`: the phased, zero-padded copy of each group's input as in
/// `PhasedConv`, but the output channels of the group in the vector lanes (16 per pair of
/// registers) and the output positions broadcast, so neither the padding columns of the
/// phased GEMM (OW + 2 computed for OW kept on 7×7 maps) nor a 6-row panel's idle rows
/// (16 = 6 + 6 + 4) are computed, and the finished tile is stored into the output planes
/// with bias, residual and activation (no copy-out pass).
///
/// Work items are (group, image) pairs, group-major (a group's weights stay in L1 while
/// it runs over the images), split evenly over the cores.
extension PhasedConv {
    /// True when the grouped kernel takes a phased convolution: several groups of a
    /// multiple of 8 and at most 32 output channels each.
    static func lanesApply(_ s: ConvShape) -> Bool {
        s.group > 1 && s.Mg % 8 == 0 && s.Mg <= 32
    }

    /// The weights packed for `forwardLanes` (nil when the kernels are unavailable).
    func packLanes(_ w: UnsafePointer<Float>) -> [Float]? {
        CPUKernels.packGroupedLanes(w, self)
    }

    /// Y = epilogue(conv(X, W)) with W packed by `packLanes`.
    func forwardLanes(_ X: UnsafePointer<Float>, packed: UnsafePointer<Float>, _ Y: UnsafeMutablePointer<Float>,
                      _ ep: ConvEpilogue, parallel: Bool) {
        let rows = rowOffsets(), items = s.group * s.N
        let scratch = CPUKernels.groupedScratch(self)
        rows.withUnsafeBufferPointer { ro in
            RuntimeThreading.chunks(items, parallel: parallel) { r in
                ScratchPool.shared.with(scratch) { pad in
                    CPUKernels.groupedConv(self, offsets: ro.baseAddress!, packed: packed, X, bias: ep.bias, residual: ep.residual,
                                           Y, items: r, activation: ep.activation, scratch: pad)
                }
            }
        }
    }
}
