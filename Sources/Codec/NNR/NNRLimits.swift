/// Limits that keep a corrupt header from asking for absurd work or memory.
public struct NNRLimits: Sendable, Equatable {
    /// Largest tensor (elements) a header may declare.
    public var maxTensorElements: Int = 1 << 28
    /// Most dimensions a tensor may have.
    public var maxDimensions: Int = 32

    public init() {}

    /// The most elements an entropy-coded (INT or FLOAT) payload of `payloadBytes` bytes can
    /// hold, so a header cannot make the decoder allocate for a tensor its data cannot carry.
    ///
    /// Every bin narrows the coder's range (256...510) by at least the smallest LPS range, 2,
    /// so it costs at least log2(510/508) > 1/177 bit: the payload and the two bytes that prime
    /// the decoder hold at most 177 · 8 · (bytes + 2) bins. Each element takes at least one
    /// bin (its significance flag), except that with row skipping (profile 1) one bin can
    /// skip a whole row of `rowWidth` elements.
    public static func maxCodedElements(payloadBytes: Int, rowWidth: Int, rowSkipping: Bool) -> Int {
        let bins = 177 * 8 * (payloadBytes + 2)
        let (n, overflow) = bins.multipliedReportingOverflow(by: rowSkipping ? max(rowWidth, 1) : 1)
        return overflow ? Int.max : n
    }
}
