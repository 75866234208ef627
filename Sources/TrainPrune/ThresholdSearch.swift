import Runtime

/// LOBSTER's pruning stage: the largest T such that zeroing every |w| ≤ T of the prunable
/// parameters keeps the validation loss ≤ bound, by bisection (T₀ = max|w|/2, ΔT = T₀/2,
/// ΔT halves every round, stop when ΔT ≤ ε·max|w|).
struct ThresholdSearch {
    let names: [String]
    let bound: Double
    let epsilon: Double

    struct Outcome {
        var threshold: Double
        var loss: Double?
        var evaluations: Int
        var parameters: [String: NDArray]
    }

    /// `params` with every |w| ≤ t of `names` set to zero.
    func thresholded(_ params: [String: NDArray], _ t: Double) -> [String: NDArray] {
        var out = params
        for n in names {
            guard let p = params[n] else { continue }
            out[n] = NDArray(shape: p.shape, floats: p.floats.map { Double(abs($0)) <= t ? 0 : $0 })
        }
        return out
    }

    func run(_ params: [String: NDArray], loss: ([String: NDArray]) throws -> Double) throws -> Outcome {
        let top = names.compactMap { params[$0]?.floats.map { Double(abs($0)) }.max() }.max() ?? 0
        var best = Outcome(threshold: 0, loss: nil, evaluations: 0, parameters: params)
        guard top > 0 else { return best }
        var t = top / 2, dt = t / 2
        var evaluations = 0
        while dt > epsilon * top {
            let candidate = thresholded(params, t)
            let l = try loss(candidate)
            evaluations += 1
            if l.isFinite && l <= bound {
                if t > best.threshold { best = Outcome(threshold: t, loss: l, evaluations: 0, parameters: candidate) }
                t += dt
            } else {
                t -= dt
            }
            dt /= 2
        }
        best.evaluations = evaluations
        return best
    }
}
