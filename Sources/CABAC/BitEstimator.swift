/// A `BinSink` that adds up estimated bin costs instead of writing bits.
///
/// Costs are in 1/32768 bit (`scaledBits`), read from the same table the reference encoder
/// uses for its rate estimates; a bypass bin costs exactly one bit. With `adapts` true the
/// contexts are updated as the encoder would update them (a running estimate of a whole
/// tensor); with `adapts` false they are left untouched (pricing alternatives for one
/// position against fixed states).
public struct BitEstimator: BinSink {
    /// Accumulated cost in 1/32768 bit.
    public var scaledBits: UInt64 = 0
    public var adapts: Bool

    @inlinable
    public init(adapts: Bool = true) { self.adapts = adapts }

    /// Accumulated cost in bits.
    @inlinable
    public var bits: Double { Double(scaledBits) / 32768 }

    @inlinable
    public mutating func encodeBin(_ bin: UInt32, context: inout ContextModel) {
        scaledBits &+= UInt64(context.cost(bin))
        if adapts { context.update(bin) }
    }

    @inlinable
    public mutating func encodeBypass(_ bin: UInt32) { scaledBits &+= 32768 }

    @inlinable
    public mutating func encodeBypassBins(_ bins: UInt32, count: Int) {
        scaledBits &+= UInt64(count) << 15
    }
}
