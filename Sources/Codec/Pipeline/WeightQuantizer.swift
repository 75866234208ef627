import CABAC

/// Picks the quantizer for a float tensor from the encode options and runs it.
///
/// Uniform rounding (ties away from zero) at λ = 0, rate–distortion quantization for
/// λ > 0, and the dependent-quantization Viterbi search when enabled (see `Quant/`).
enum WeightQuantizer {
    /// `values` (row-major, rows of `rowWidth`) quantized along the coding order of
    /// `scanOrder` (0: row-major) and returned row-major. With DQ and a block scan the trellis
    /// follows the scan and runs per row of blocks, on `runner` (`DependentQuantizer.quantizeRows`);
    /// a scan order without DQ does not change the levels (pass 0).
    static func quantize(_ values: [Float], qp: Int, qpDensity: Int, dependent: Bool, lambda: Double, unaryLength: Int,
                         tensor: String, rowWidth: Int, scanOrder: Int, runner: SegmentRunner?) throws -> [Int32] {
        guard scanOrder > 0 else {
            return try quantize(values, qp: qp, qpDensity: qpDensity, dependent: dependent, lambda: lambda,
                                unaryLength: unaryLength, tensor: tensor)
        }
        let length = BlockScanOrder.blockRowLength(count: values.count, width: rowWidth, scanOrder: scanOrder)
        let scanned = try quantize(BlockScanOrder.reorder(values, width: rowWidth, scanOrder: scanOrder), qp: qp,
                                   qpDensity: qpDensity, dependent: dependent, lambda: lambda, unaryLength: unaryLength,
                                   tensor: tensor, dqRowLength: length, runner: runner)
        return BlockScanOrder.reorder(scanned, width: rowWidth, scanOrder: scanOrder, inverse: true)
    }

    /// With `dqRowLength` (DQ on a tensor coded with entry points, `values` in coding order)
    /// the trellis runs per row of blocks of that many elements, on `runner` (see
    /// `DependentQuantizer.quantizeRows`).
    static func quantize(_ values: [Float], qp: Int, qpDensity: Int, dependent: Bool, lambda: Double,
                         unaryLength: Int, tensor: String, dqRowLength: Int? = nil,
                         runner: SegmentRunner? = nil) throws -> [Int32] {
        guard let step = QuantStep(qp: qp, qpDensity: qpDensity) else {
            throw EncodeError("tensor '\(tensor)': qp \(qp) at density \(qpDensity) gives no usable step size")
        }
        let quantizer: any TensorQuantizer
        if dependent {
            quantizer = DependentQuantizer(step: step, lambdaScale: lambda, unaryLength: unaryLength)
        } else if lambda > 0 {
            quantizer = RDOQuantizer(step: step, lambdaScale: lambda, unaryLength: unaryLength)
        } else {
            quantizer = UniformQuantizer(step: step)
        }
        do {
            if let dq = quantizer as? DependentQuantizer, let length = dqRowLength {
                return try dq.quantizeRows(values, rowLength: length, runner: runner)
            }
            return try quantizer.quantize(values).levels
        } catch {
            throw EncodeError(.stepTooSmall(tensor: tensor), "tensor '\(tensor)': \(error) (use a larger step)")
        }
    }

    /// A binary network's weight tensor: every value exactly +1 or −1 (at least two). Coded at
    /// qp 0 (step 1) whatever the options, so the levels are the signs themselves: lossless and
    /// about one bit per weight.
    static func isBinary(_ values: [Float]) -> Bool {
        values.count > 1 && values.allSatisfy { $0 == 1 || $0 == -1 }
    }
}
