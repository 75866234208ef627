import CABAC

/// Picks the quantizer for a float tensor from the encode options and runs it.
///
/// Uniform rounding (ties away from zero) at λ = 0, rate–distortion quantization for
/// λ > 0, and the dependent-quantization Viterbi search when enabled (see `Quant/`).
enum WeightQuantizer {
    static func quantize(_ values: [Float], qp: Int, qpDensity: Int, dependent: Bool, lambda: Double,
                         unaryLength: Int, tensor: String) throws -> [Int32] {
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
