/// Something that takes coded bins: the arithmetic encoder, or a bit estimator.
///
/// Binarization code is written once against this protocol, so rate estimation prices
/// choices with exactly the bins the encoder would write.
public protocol BinSink {
    /// Codes `bin` (0 or 1) with context `context`, adapting the context.
    mutating func encodeBin(_ bin: UInt32, context: inout ContextModel)
    /// Codes one equiprobable bin.
    mutating func encodeBypass(_ bin: UInt32)
    /// Codes the low `count` bits of `bins` (0...32 bits), most significant first, as
    /// equiprobable bins.
    mutating func encodeBypassBins(_ bins: UInt32, count: Int)
}
