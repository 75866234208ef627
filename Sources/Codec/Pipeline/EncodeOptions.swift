import CABAC

/// Settings of one `nncodec encode` run.
///
/// Step sizes follow the standard: Δ = (1 + (qp mod 2^d)/2^d) · 2^floor(qp/2^d) for qp and
/// qp density d. The thesis convention "step 2^−q" is qp = −q·2^d (`EncodeOptions(q:)`).
public struct EncodeOptions: Sendable, Codable, Equatable {
    /// qp of weight tensors (2+ dimensions). NNCodec's default: −38 at density 2 (Δ = 1.5·2^−10).
    public var qp: Int = -38
    /// Per-tensor qp by stream name (rate allocation), for weight and non-weight tensors; a
    /// tensor not named here uses `qp` or `nonWeightQp`. Each is signalled as the tensor's qp
    /// offset from the model qp.
    public var tensorQps: [String: Int]? = nil
    /// qp density d (the standard's `qp_density`, 0...7).
    public var qpDensity: Int = 2
    /// qp of 1-D and scalar float tensors (biases, BatchNorm). NNCodec's default: −75.
    public var nonWeightQp: Int = -75
    /// Store 1-D float tensors exactly (RAW_FLOAT for float32; other float dtypes stay in
    /// the topology) instead of quantizing them.
    public var losslessNonWeights = false
    /// Dependent quantization (the 8-state trellis) for every quantized tensor, as NNCodec does.
    public var dependentQuantization = false
    /// Rate–distortion trade-off; 0 = distortion only.
    public var lambda: Double = 0
    /// Signal all-zero rows of weight matrices (cheap; helps pruned models).
    public var rowSkipping = true
    /// Choose a context initialization set per tensor (NNCodec's `param_opt`).
    public var optimizeInitialization = true
    /// With `optimizeInitialization`: price the sets over at most this many levels at the
    /// start of each tensor (nil: the whole tensor, exactly as NNCodec; about 5× slower to
    /// encode, for streams typically < 0.01% smaller).
    public var initializationSearchLimit: Int? = 16384
    /// Number of greater-than flags G (`cabac_unary_length_minus1` + 1) for every tensor;
    /// nil chooses G per tensor for the smallest estimated stream (`UnaryLengthChoice`).
    /// NNCodec writes 11.
    public var unaryLength: Int? = nil
    /// G for the quantizers' rate model (the trellis, RDO): the fixed G, else NNCodec's 11.
    public var rateModelUnaryLength: Int { unaryLength ?? 11 }
    /// Carry the ONNX graph in a topology unit so `decode` needs nothing else. Without it
    /// the stream is NNCodec's form (an empty topology unit), which NNCodec 2.1.3 decodes.
    public var carryTopology = true
    /// `scan_order` of weight tensors with at least `blockScanMinimumElements` elements:
    /// 0 row-major (the default, as NNCodec writes); 1...4 blocks of 8, 16, 32, 64 visited
    /// row of blocks by row of blocks, with an entry point per later row of blocks, so one
    /// large tensor is coded and decoded on several threads. Costs ≈ 1% more bytes (LeNet-300
    /// at `-q 8`: +0.7…1.1%, with DQ +0.9…2.2%) and per-core speed (the scanned paths do not
    /// use the row-major level kernels). With dependent quantization the trellis follows the
    /// block scan and all-zero rows are not signalled in these tensors.
    public var blockScan = 0
    /// The smallest weight tensor (elements) that `blockScan` applies to.
    public static let blockScanMinimumElements = 1 << 16
    /// The scan order of a weight tensor of `elements` elements in rows of `rowWidth`.
    public func scanOrder(elements: Int, rowWidth: Int) -> Int {
        elements >= Self.blockScanMinimumElements && rowWidth > 1 && elements > rowWidth ? blockScan : 0
    }
    /// Tensors encoded at once (1 = single-threaded; default: the cores of this machine).
    /// The stream is the same for every count.
    public var threads = ParallelWork.defaultThreads

    public init() {}

    /// Uniform step 2^−q at qp density 2 (qp = −4q).
    public init(q: Int) {
        self.init()
        qp = QuantStep.qp(powerOfTwo: q, qpDensity: 2)
        qpDensity = 2
    }

    /// NNCodec's default non-weight step (qp −75 at density 2, Δ = 1.25·2^−19) expressed at
    /// qp density `d`: the qp whose step is the largest not above it.
    public static func defaultNonWeightQp(density d: Int) -> Int {
        let scaled = -75 * (1 << d)
        return scaled >= 0 ? scaled / 4 : -((-scaled + 3) / 4)
    }

    public var weightStep: Float { NNRQuantization.stepSize(qp: qp, qpDensity: qpDensity) }
    /// The qp of the weight tensor `name`: its entry in `tensorQps`, else `qp`.
    public func weightQp(of name: String?) -> Int { name.flatMap { tensorQps?[$0] } ?? qp }
    /// The qp of the non-weight tensor `name`: its entry in `tensorQps`, else `nonWeightQp`.
    public func nonWeightQp(of name: String?) -> Int { name.flatMap { tensorQps?[$0] } ?? nonWeightQp }
    public var nonWeightStep: Float { NNRQuantization.stepSize(qp: nonWeightQp, qpDensity: qpDensity) }

    /// Checks ranges the bitstream can express; the message says what to change.
    public func validate() throws(EncodeError) {
        guard (0...7).contains(qpDensity) else { throw EncodeError("qp density \(qpDensity) is outside 0...7") }
        let limit = 1 << (5 + qpDensity)   // the signed (6 + d)-bit qp offset of each tensor
        guard abs(nonWeightQp - qp) < limit else {
            throw EncodeError("non-weight qp \(nonWeightQp) is too far from qp \(qp) (at most \(limit - 1) apart at qp density \(qpDensity))")
        }
        for (name, tqp) in tensorQps ?? [:] where abs(tqp - qp) >= limit {
            throw EncodeError("tensor '\(name)': qp \(tqp) is too far from qp \(qp) (at most \(limit - 1) apart at qp density \(qpDensity))")
        }
        if let g = unaryLength, !(1...256).contains(g) { throw EncodeError("unary length \(g) is outside 1...256") }
        guard lambda >= 0, lambda.isFinite else { throw EncodeError("lambda must be a finite number ≥ 0") }
        guard threads >= 1 else { throw EncodeError("threads must be at least 1") }
        guard (0...4).contains(blockScan) else { throw EncodeError("block scan \(blockScan) is outside 0...4 (0 = row-major)") }
    }
}

/// A failure of the encoder: a kind and one line naming the tensor or setting.
public struct EncodeError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case general
        /// The step is too fine for the tensor's values (levels would overflow).
        case stepTooSmall(tensor: String)
    }

    public var kind: Kind
    public var description: String

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }

    public init(_ d: String) { self.init(.general, d) }
}
