import Runtime
import Train

/// The training-time pruning methods.
public enum PruneMethod: String, Sendable, Codable, CaseIterable {
    /// Parameter sensitivity |∂L/∂w| (thesis ch. 4).
    case lobster
    /// Neuron sensitivity (thesis ch. 5).
    case serene
    /// Plain weight decay (the thesis's ablation).
    case l2
}

/// The penalty term of each method's update rule, applied after the optimizer step as
/// w ← w − λ w P, with P = (1 − S)Ψ(1 − S) (LOBSTER, per parameter), S̄ = max(0, 1 − S)
/// (SeReNe, per neuron) or 1 (L2).
final class Regularizer {
    let method: PruneMethod
    let layers: [PrunableLayer]
    let lambda: Float
    let sensitivity: NeuronSensitivity?
    /// LOBSTER: |∂L/∂w| of the current step, per parameter tensor.
    var parameterSensitivity: [String: [Float]] = [:]
    /// SeReNe: S per neuron of the current step, per pre-activation value.
    var neuronSensitivity: [String: [Double]] = [:]

    /// SeReNe: S̄ of the last layer's neurons (nil: the last layer is not penalized).
    let lastInsensitivity: Double?

    init(method: PruneMethod, layers: [PrunableLayer], lambda: Double, sensitivity: NeuronSensitivity?, penalizeLast: Bool = false) {
        self.method = method
        self.layers = layers
        self.lambda = Float(lambda)
        self.sensitivity = sensitivity
        // An output y_k's sensitivity to itself: (1/C)·|∂Σ_j y_j/∂y_k| = 1/C for lb, exact and ub;
        // `local` (the output's own activation derivative, 1 without one) gives S̄ = 0.
        let last = layers.first(where: \.isLast)
        lastInsensitivity = penalizeLast && sensitivity?.kind != .local ? last.map { 1 - 1 / Double(max($0.neurons, 1)) } : nil
    }

    /// Hooks that measure sensitivities and apply the penalty.
    var hooks: TrainingHooks {
        var h = TrainingHooks()
        switch method {
        case .lobster:
            h.beforeUpdate = { [unowned self] _, _, grads in
                for l in layers { for name in l.parameterNames { parameterSensitivity[name] = grads[name]?.floats.map(abs) } }
            }
        case .serene:
            h.afterBackward = { [unowned self] _, tape in neuronSensitivity = try sensitivity!.measure(tape) }
        case .l2:
            break
        }
        h.afterUpdate = { [unowned self] _, params in apply(&params) }
        return h
    }

    func apply(_ params: inout [String: NDArray]) {
        for l in layers {
            if method == .serene && l.isLast && lastInsensitivity == nil { continue }
            let s = neuronSensitivity[l.layer.output]
            for (k, name) in l.parameterNames.enumerated() {
                guard let count = params[name]?.count else { continue }
                if method == .serene && l.isLast {
                    if k == 0, let p = params[name] { params[name] = Self.decayed(p, by: lambda * Float(lastInsensitivity!)) }
                    continue
                }
                let ps = parameterSensitivity[name]
                // A weight's neuron is (i / inner) % neurons (a bias element's: i); SeReNe's
                // factor S̄ = max(0, 1 − S) is computed once per neuron (0 without a measurement).
                let inner = k == 0 ? l.weightShape[(l.layer.outputAxis + 1)...].reduce(1, *) : 1
                let neurons = k == 0 ? l.neurons : max(count, 1)
                let sBar: [Float]? = method != .serene ? nil : s.map { $0.map { Float(max(0, 1 - $0)) } } ?? [Float](repeating: 0, count: neurons)
                let lambda = lambda, lobster = method == .lobster
                params.updateFloats(name) { w in w.withUnsafeMutableBufferPointer { wp in
                    var i = 0
                    while i < wp.count {
                        let end = min(i + inner, wp.count)
                        let neuronFactor = sBar.map { $0[(i / inner) % neurons] }
                        for j in i..<end where wp[j] != 0 {
                            let factor = neuronFactor ?? (lobster ? ps.map { max(0, 1 - $0[j]) } ?? 1 : 1)
                            wp[j] -= lambda * wp[j] * factor
                        }
                        i = end
                    }
                } }
            }
        }
    }

    /// w ← w − r·w (zeros stay zero).
    static func decayed(_ p: NDArray, by r: Float) -> NDArray {
        NDArray(shape: p.shape, floats: p.floats.map { $0 - r * $0 })
    }
}
