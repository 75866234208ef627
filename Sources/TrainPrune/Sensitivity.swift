import Runtime
import Train

/// How SeReNe measures a neuron's sensitivity S (thesis ch. 5).
public enum SensitivityKind: String, Sendable, Codable, CaseIterable {
    /// |∂((1/C) Σ_k y_k)/∂p|: one backward pass from the mean output.
    case lb
    /// The chain of element-wise absolute Jacobians (eq. 5.10): one backward pass with |W|.
    case ub
    /// (1/C) Σ_k |∂y_k/∂p|: C backward passes.
    case exact
    /// The neuron's own activation derivative |∂y/∂p| (ReLU: the share of samples it is on).
    case local
}

/// Per-neuron sensitivities of the hidden layers on one training batch, averaged over its samples.
struct NeuronSensitivity {
    let graph: GradientGraph
    let layers: [PrunableLayer]
    let output: String
    let kind: SensitivityKind

    /// S per neuron for each non-last layer, keyed by its pre-activation value.
    func measure(_ tape: GradientGraph.Tape) throws -> [String: [Double]] {
        let hidden = layers.filter { !$0.isLast }
        let wrt = hidden.map(\.layer.output)
        guard let y = tape.values[output], y.rank == 2 else {
            throw TrainPruneError(.invalidData, "output '\(output)'", "SeReNe needs N×C class scores")
        }
        let n = y.shape[0], c = y.shape[1]
        var result: [String: [Double]] = [:]
        switch kind {
        case .local:
            for l in hidden {
                guard let p = tape.values[l.layer.output] else { continue }
                let positions = Double(max(p.count / max(l.neurons * n, 1), 1))
                result[l.layer.output] = Self.perNeuron(p, axis: l.valueAxis, samples: n) { v in l.relu ? (v > 0 ? 1 : 0) : 1 }
                    .map { $0.reduce(0, +) / (Double(max($0.count, 1)) * positions) }
            }
        case .lb, .ub:
            let seed = NDArray(shape: y.shape, floats: [Float](repeating: 1 / Float(c), count: y.count))
            var swap: [String: NDArray] = [:]
            if kind == .ub {
                for l in layers { swap[l.layer.weight] = graph.parameters[l.layer.weight].map { NDArray(shape: $0.shape, floats: $0.floats.map(abs)) } }
            }
            let g = try graph.backward(tape, seeds: [output: seed], wrt: wrt, substitute: swap)
            for l in hidden { result[l.layer.output] = g[l.layer.output].map { Self.meanAbs($0, l, n) } }
        case .exact:
            for k in 0..<c {
                var s = [Float](repeating: 0, count: y.count)
                for i in 0..<n { s[i * c + k] = 1 }
                let g = try graph.backward(tape, seeds: [output: NDArray(shape: y.shape, floats: s)], wrt: wrt)
                for l in hidden {
                    guard let gl = g[l.layer.output] else { continue }
                    let m = Self.meanAbs(gl, l, n)
                    result[l.layer.output] = zip(result[l.layer.output] ?? [Double](repeating: 0, count: m.count), m).map { $0 + $1 / Double(c) }
                }
            }
        }
        return result
    }

    /// Mean of |g| over the samples and, for a Conv channel, over its positions (as the
    /// SeReNe authors' code averages the absolute pre-activation gradient of a channel).
    static func meanAbs(_ g: NDArray, _ l: PrunableLayer, _ n: Int) -> [Double] {
        let positions = Double(max(g.count / max(g.shape[l.valueAxis ?? (g.rank - 1)] * n, 1), 1))
        return perNeuron(g, axis: l.valueAxis, samples: n) { Double(abs($0)) }.map { $0.reduce(0, +) / (Double(max(n, 1)) * positions) }
    }

    /// For each neuron, one value per sample: the sum of `f` over the neuron's positions.
    /// `axis` nil: the last axis (MatMul); positions are everything but the batch and neuron axes.
    static func perNeuron(_ a: NDArray, axis: Int?, samples n: Int, _ f: (Float) -> Double) -> [[Double]] {
        let ax = axis ?? (a.rank - 1)
        let units = a.shape[ax]
        let inner = a.shape[(ax + 1)...].reduce(1, *)
        let outer = a.count / (units * inner)
        let perSample = max(outer / max(n, 1), 1)
        var out = [[Double]](repeating: [Double](repeating: 0, count: n), count: units)
        let v = a.floats
        for o in 0..<outer {
            let sample = min(o / perSample, n - 1)
            for u in 0..<units {
                let base = (o * units + u) * inner
                var s = 0.0
                for j in 0..<inner { s += f(v[base + j]) }
                out[u][sample] += s
            }
        }
        return out
    }
}
