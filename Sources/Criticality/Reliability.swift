import Foundation
import ONNXIO
import Runtime

/// The patent's reliability experiment (Tables 2–4): remove weights cumulatively in
/// descending order of a ranking and count how many removals it takes to drop top-1 by given
/// points.
///
/// The count for a drop of D points is the smallest k whose top-1 is ≤ base − D, found by
/// bisection over k (exponential bracketing, then halving) — exact if top-1 falls
/// monotonically with k, otherwise one crossing point.
public struct ReliabilityRow: Sendable, Codable, Equatable {
    /// Drop in top-1 points.
    public var drop: Double
    /// Removals in descending-SHC order (nil: not reached even with every weight removed).
    public var capacity: Int?
    /// Removals in descending-magnitude order.
    public var magnitude: Int?
}

public struct ReliabilityReport: Sendable, Codable, Equatable {
    public var baselineTop1: Double
    public var weights: Int
    public var rows: [ReliabilityRow]
    public var evaluations: Int
}

public enum Reliability {
    public static let defaultDrops: [Double] = [2, 5, 10, 20, 50, 70, 80]

    public static func run(model: Model, analysis: CapacityAnalysis, inputs: NDArray, labels: [Int],
                           drops: [Double] = defaultDrops, progress: ((String) -> Void)? = nil) throws -> ReliabilityReport {
        let ev = try Evaluator(model: model, analysis: analysis, inputs: inputs, labels: labels)
        let base = try ev.top1([:])
        var evals = 1
        var counts: [WeightRanking: [Int?]] = [:]
        for ranking in [WeightRanking.capacity, .magnitude] {
            let order = Array(ScorePruning.ascending(ScorePruning.scores(analysis, ranking)).reversed())
            var cache: [Int: Double] = [0: base]
            func top1(_ k: Int) throws -> Double {
                if let v = cache[k] { return v }
                let v = try ev.top1(ScorePruning.zeroed(analysis, order.prefix(k)))
                cache[k] = v
                evals += 1
                return v
            }
            var lo = 0
            var found: [Int?] = []
            for d in drops {
                let target = base - d / 100 + 1e-9
                progress?("\(ranking.rawValue): \(Int(d)) points")
                var hi = max(lo, 1)
                while hi < order.count, try top1(hi) > target { lo = hi; hi = min(order.count, hi * 2) }
                if try top1(hi) > target { found.append(nil); continue }
                while hi - lo > 1 {
                    let mid = (lo + hi) / 2
                    if try top1(mid) > target { lo = mid } else { hi = mid }
                }
                found.append(hi)
            }
            counts[ranking] = found
        }
        let rows = drops.enumerated().map { i, d in ReliabilityRow(drop: d, capacity: counts[.capacity]![i], magnitude: counts[.magnitude]![i]) }
        return ReliabilityReport(baselineTop1: base, weights: analysis.weightCount, rows: rows, evaluations: evals)
    }
}
