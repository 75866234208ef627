extension ContextSet {
    /// Codes quantization index `k` with this store's contexts into any `BinSink` (the
    /// arithmetic encoder or a `BitEstimator`), exactly as a tensor's levels are coded.
    ///
    /// - Parameters:
    ///   - state: the DQ state (0 without DQ).
    ///   - previous: the previous level in scan order (selects the neighbour class).
    @inlinable
    public mutating func encodeLevel<S: BinSink>(_ k: Int32, state: Int, previous: Int32, into sink: inout S) {
        precondition(k != Int32.min && state >= 0 && state < 8)
        let layout = self.layout
        models.withUnsafeMutableBufferPointer { ctx in
            var adapter = StoreSink(sink: sink, contexts: ctx.baseAddress!)
            binarizeLevel(k, state: state, neighbourClass: ContextLayout.neighbourClass(previous),
                          layout: layout, into: &adapter)
            sink = adapter.sink
        }
    }

    /// Estimated cost of coding index `k` next, in 1/32768 bit, with the contexts as they are
    /// (not adapted between the bins of the level). Bypass bins cost one bit each.
    @inlinable
    public func cost(ofLevel k: Int32, state: Int, previous: Int32) -> UInt32 {
        var copy = self
        var estimator = BitEstimator(adapts: false)
        copy.encodeLevel(k, state: state, previous: previous, into: &estimator)
        return UInt32(truncatingIfNeeded: estimator.scaledBits)
    }
}
