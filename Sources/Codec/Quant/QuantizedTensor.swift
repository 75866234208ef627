import CABAC

/// The levels a quantizer chose for one tensor, with the step they multiply.
public struct QuantizedTensor: Sendable, Equatable {
    /// Reconstruction levels in row-major order: the integers r with ŵ = `Float(r) * Δ`.
    /// Without DQ these are the quantization indices themselves; with DQ they are the trellis
    /// levels (2k in even states, 2k − sgn k in odd ones). This is exactly what
    /// `CABACEncoder.encodeTensor` and `NNRTensorInput.Data.quantized` take.
    public var levels: [Int32]
    public var step: QuantStep
    /// Whether `levels` follow the DQ trellis (code them with `dependentQuantization: true`).
    public var dependentQuantization: Bool

    public init(levels: [Int32], step: QuantStep, dependentQuantization: Bool) {
        self.levels = levels
        self.step = step
        self.dependentQuantization = dependentQuantization
    }

    /// The values the decoder reconstructs, bit for bit.
    public func reconstructed() -> [Float] { step.reconstruct(levels) }

    /// The quantization indices k the CABAC coder writes (the levels themselves without DQ);
    /// nil when DQ levels do not form a trellis path (never for a quantizer's output).
    public var indices: [Int32]? {
        dependentQuantization ? DependentQuantization.indices(reconstructionLevels: levels) : levels
    }
}

/// Chooses integer levels for tensors of float32 weights at a fixed step.
public protocol TensorQuantizer: Sendable {
    var step: QuantStep { get }
    /// Whether the levels are DQ trellis levels.
    var dependentQuantization: Bool { get }
    /// Writes one reconstruction level per weight (row-major order is the coding order).
    func quantize(_ weights: UnsafeBufferPointer<Float>,
                  into levels: UnsafeMutableBufferPointer<Int32>) throws(QuantizationError)
}

extension TensorQuantizer {
    /// Quantizes `weights` (row-major).
    public func quantize(_ weights: [Float]) throws(QuantizationError) -> QuantizedTensor {
        var levels = [Int32](repeating: 0, count: weights.count)
        try weights.withUnsafeBufferPointer { (w: UnsafeBufferPointer<Float>) throws(QuantizationError) in
            try levels.withUnsafeMutableBufferPointer { (l: inout UnsafeMutableBufferPointer<Int32>) throws(QuantizationError) in
                try quantize(w, into: l)
            }
        }
        return QuantizedTensor(levels: levels, step: step, dependentQuantization: dependentQuantization)
    }

    @usableFromInline
    func checkSizes(_ weights: UnsafeBufferPointer<Float>, _ levels: UnsafeMutableBufferPointer<Int32>) throws(QuantizationError) {
        if weights.count != levels.count {
            throw QuantizationError(.sizeMismatch(weights: weights.count, levels: levels.count), index: 0, value: 0, step: step)
        }
    }

    /// The first element whose scaled magnitude `scaled(|w|)` is NaN, infinite or beyond
    /// `QuantStep.maxScaledMagnitude` (called once a loop has seen one, with its own scaling).
    @usableFromInline
    func firstInvalid(_ weights: UnsafeBufferPointer<Float>, scaled: (Float) -> Double) -> QuantizationError {
        for i in 0..<weights.count {
            let w = weights[i]
            if !w.isFinite { return QuantizationError(.notFinite, index: i, value: w, step: step) }
            if !(scaled(w.magnitude) <= QuantStep.maxScaledMagnitude) {
                return QuantizationError(.outOfRange, index: i, value: w, step: step)
            }
        }
        preconditionFailure("firstInvalid called on a valid tensor")
    }
}
