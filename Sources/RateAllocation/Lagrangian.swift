/// Equal-slope allocation over a `RateTable`: each tensor takes the qp minimising
/// bits + λ · expected loss increase, the loss increase of tensor t at qp k being
/// ½ · fisher_t · mse_t(k). Larger λ buys accuracy with bits; λ → 0 is the coarsest grid
/// point for every tensor, λ → ∞ the finest. Non-weight tensors (biases, BatchNorm), whose
/// Fisher estimate is poor (running statistics have none), all take `nonWeightIndex`; the
/// search moves them together with real evaluations, then one by one in the greedy pass.
public struct Lagrangian: Sendable {
    public let table: RateTable
    /// ½ · Σ F_j per tensor, in table order.
    public let weights: [Double]
    /// The grid index of every non-weight tensor in `choose`.
    public var nonWeightIndex = 0

    public init(table: RateTable, sensitivity: Sensitivity) {
        self.table = table
        weights = table.tensors.map { 0.5 * (sensitivity.fisher[$0.name] ?? 0) }
    }

    /// Expected loss increase of tensor `t` at qp index `k`.
    public func distortion(_ t: Int, _ k: Int) -> Double { weights[t] * table.entries[t][k].mse }

    /// The qp index per tensor at multiplier `lambda`.
    public func choose(_ lambda: Double) -> [Int] {
        table.entries.indices.map { t in
            guard table.tensors[t].weight else { return nonWeightIndex }
            var best = 0
            var bestCost = Double.infinity
            for k in table.qps.indices {
                let cost = Double(table.entries[t][k].bytes * 8) + lambda * distortion(t, k)
                if cost < bestCost { (best, bestCost) = (k, cost) }   // ties keep the finer qp
            }
            return best
        }
    }

    /// The finest allocation (every tensor at qps[0]).
    public var finest: [Int] { Array(repeating: 0, count: table.tensors.count) }

    /// The range of slopes |Δbits / Δloss| between neighbouring grid points, for the bisection.
    public var slopeRange: ClosedRange<Double> {
        var lo = Double.infinity, hi = 0.0
        for t in table.entries.indices where table.tensors[t].weight {
            for k in 1..<max(table.qps.count, 1) {
                let dd = distortion(t, k) - distortion(t, k - 1)
                let db = Double(table.entries[t][k - 1].bytes - table.entries[t][k].bytes) * 8
                guard dd > 0, db > 0 else { continue }
                lo = min(lo, db / dd)
                hi = max(hi, db / dd)
            }
        }
        return lo <= hi ? lo...hi : 1...1
    }

    /// One-step coarsenings of `choice` worth trying, most bytes saved per loss added first.
    public func greedyMoves(from choice: [Int]) -> [Int] {
        let scored: [(Int, Double)] = choice.indices.compactMap { t in
            let k = choice[t]
            guard k + 1 < table.qps.count else { return nil }
            let saved = Double(table.entries[t][k].bytes - table.entries[t][k + 1].bytes)
            guard saved > 0 else { return nil }
            let added = max(distortion(t, k + 1) - distortion(t, k), 1e-300)
            return (t, saved / added)
        }
        return scored.sorted { $0.1 > $1.1 }.map(\.0)
    }

    /// Every weight tensor at grid index `k`, the non-weights at `nonWeightIndex`.
    public func uniform(at k: Int) -> [Int] {
        table.tensors.map { $0.weight ? k : nonWeightIndex }
    }

    /// `choice` with every non-weight tensor at grid index `k`.
    public func withNonWeights(_ choice: [Int], at k: Int) -> [Int] {
        choice.indices.map { table.tensors[$0].weight ? choice[$0] : k }
    }
}
