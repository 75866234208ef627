/// How one tensor's levels are coded (the per-tensor choices of NNCodec 2.1.3).
public struct TensorCodingOptions: Sendable, Equatable {
    /// Dependent quantization (`dq_flag`): levels are reconstruction levels of the DQ trellis.
    public var dependentQuantization: Bool
    /// G = `cabac_unary_length_minus1` + 1 greater-than flags (1...256); NNCodec's default is 11.
    public var unaryLength: Int
    /// Whether the row-skip syntax exists (`general_profile_idc` == 1; 2.1.3 always writes 1).
    public var rowSkipSyntax: Bool
    /// Encoder: signal all-zero rows (`row_skip_enabled_flag`). The decoder reads the flag.
    public var rowSkipping: Bool
    /// Encoder: choose an initialization set per context (`param_opt`); otherwise all use set 0.
    public var optimizeInitialization: Bool
    /// Encoder, with `optimizeInitialization`: price the initialization sets over at most
    /// this many coded levels from the start of the tensor (row-major scans only); nil
    /// prices the whole tensor, exactly as NNCodec 2.1.3 does. The sets differ in their
    /// adaptation windows as well as their start states, so a prefix of the tensor ranks
    /// them nearly as the whole tensor would, at a fraction of the cost.
    public var initializationSearchLimit: Int? = nil
    /// `scan_order`: 0 row-major; 1...4 blocks of 8, 16, 32, 64 with entry points per row of
    /// blocks. Ignored (0) for tensors with one row or rows of one element.
    public var scanOrder: Int

    public init(dependentQuantization: Bool = false, unaryLength: Int = 11, rowSkipSyntax: Bool = true,
                rowSkipping: Bool = false, optimizeInitialization: Bool = true, scanOrder: Int = 0) {
        self.scanOrder = scanOrder
        self.dependentQuantization = dependentQuantization
        self.unaryLength = unaryLength
        self.rowSkipSyntax = rowSkipSyntax
        self.rowSkipping = rowSkipping
        self.optimizeInitialization = optimizeInitialization
    }

    /// Whether the row-skip flag is present for a tensor of `count` elements in rows of
    /// `rowWidth` (the product of all dimensions but the first).
    @inlinable
    public func hasRowSkipFlag(count: Int, rowWidth: Int) -> Bool {
        rowSkipSyntax && rowWidth > 1 && count > rowWidth
    }

    /// The scan order actually used for a tensor (NNCodec codes degenerate shapes row-major).
    @inlinable
    public func effectiveScanOrder(count: Int, rowWidth: Int) -> Int {
        rowWidth == 1 || count == rowWidth ? 0 : scanOrder
    }
}
