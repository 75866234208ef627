import CABAC

/// Chooses integer levels for a float tensor at step Δ.
///
/// Uniform: level = round(w / Δ), ties away from zero. Dependent quantization: each
/// element takes the reconstruction level nearest to w / Δ that the current trellis state's
/// quantizer allows (Q0: even levels, Q1: zero and odd levels), and the state advances on
/// the level's parity — a greedy path through the 8-state trellis.
enum WeightQuantizer {
    static func quantize(_ values: [Float], step: Float, dependent: Bool, lambda: Double,
                         coding: TensorCodingOptions, rowWidth: Int, tensor: String) throws -> [Int32] {
        guard step > 0, step.isFinite else { throw EncodeError("tensor '\(tensor)': step size \(step) is not usable") }
        let inv = 1 / Double(step)
        let limit = Double(Int32.max / 4)
        var levels = [Int32](repeating: 0, count: values.count)
        var state = 0
        for i in values.indices {
            let x = Double(values[i]) * inv
            guard x.isFinite, abs(x) < limit else {
                throw EncodeError("tensor '\(tensor)': value \(values[i]) at index \(i) is not finite or too large for step \(step) (use a larger step)")
            }
            if !dependent {
                levels[i] = Int32(x.rounded(.toNearestOrAwayFromZero))
                continue
            }
            let level: Int32
            if state & 1 == 0 {
                level = Int32(2 * (x / 2).rounded(.toNearestOrAwayFromZero))
            } else {
                // zero or an odd level: nearest odd, or zero if closer
                let odd = Int32(2 * ((x - 1) / 2).rounded(.toNearestOrAwayFromZero) + 1)
                level = abs(x) < abs(x - Double(odd)) ? 0 : odd
            }
            levels[i] = level
            guard let index = DependentQuantization.index(reconstructionLevel: level, state: state) else {
                throw EncodeError("tensor '\(tensor)': internal DQ error at index \(i)")
            }
            state = DependentQuantization.nextState(state, index: index)
        }
        return levels
    }
}
