import Codec
import Foundation
import ONNXIO
import Runtime

/// Evaluates allocations for real (encode, decode, inference) with a cache, and runs the
/// bisection and the greedy pass over them.
struct Prober {
    struct Result {
        var choice: [Int]
        var bytes: Int
        var value: Double
        var meets: Bool
    }

    let model: Model
    let encode: EncodeOptions
    let table: RateTable
    let judge: BudgetJudge
    let progress: ((String) -> Void)?
    var probes: [AllocationProbe] = []
    var cache: [[Int]: Result] = [:]
    var inferenceSeconds = 0.0

    init(model: Model, encode: EncodeOptions, table: RateTable, judge: BudgetJudge, progress: ((String) -> Void)?) {
        self.model = model
        self.encode = encode
        self.table = table
        self.judge = judge
        self.progress = progress
    }

    /// Encode options that give `choice`: per-tensor qps, the model qp in the middle of the
    /// weights' (a signalled offset is at most 2^(5+d) − 1).
    func options(for choice: [Int]) -> EncodeOptions {
        var o = encode
        let qps = choice.enumerated().map { table.entries[$0.offset][$0.element].qp }
        let weightQps = zip(qps, table.tensors).filter { $0.1.weight }.map(\.0).sorted()
        if !weightQps.isEmpty { o.qp = weightQps[weightQps.count / 2] }
        o.tensorQps = Dictionary(zip(table.tensors.map(\.name), qps), uniquingKeysWith: { a, _ in a })
        return o
    }

    mutating func probe(_ choice: [Int], phase: String, lambda: Double?) throws -> Result {
        if let r = cache[choice] { return r }
        var o = options(for: choice)
        o.carryTopology = false
        let bytes = try ModelEncoder(options: o).encode(model).bytes
        let decoded = try ModelDecoder.decode(bytes, source: "candidate stream", graph: model).model
        let t0 = Date()
        let m = try RateSearch.runtime("data") { try judge.measure(try Session(model: decoded)) }
        inferenceSeconds += Date().timeIntervalSince(t0)
        let r = Result(choice: choice, bytes: bytes.count, value: m.value, meets: m.meets)
        cache[choice] = r
        probes.append(AllocationProbe(phase: phase, lambda: lambda, bytes: r.bytes, value: r.value, meets: r.meets))
        progress?(String(format: "probe %d (%@%@): %d bytes, %@ %.4f %@", probes.count, phase,
                         lambda.map { String(format: " λ %.3g", $0) } ?? "", r.bytes, metricName, r.value,
                         r.meets ? "meets the budget" : "misses"))
        return r
    }

    var metricName: String {
        switch judge.budget {
        case .maxDrop: return "top-1"
        case .minAgreement: return "agreement"
        case .minCosine: return "cosine"
        }
    }

    /// Finest, coarsest, bisection on log λ, then non-weights and the greedy pass; the same
    /// refinement from the smallest uniform allocation that met the budget, if one beat it.
    /// The smallest probe that met the budget.
    mutating func search(_ lag: Lagrangian, options: AllocationOptions) throws -> Result {
        let finest = try probe(lag.finest, phase: "finest", lambda: nil)
        guard finest.meets else {
            throw RateAllocationError(.budgetUnreachable, "budget",
                                      String(format: "not met even at the finest qp %d (%@ %.4f vs the original's %.4f); allow a larger drop or add finer qps",
                                             table.qps[0], metricName, finest.value, judge.baseline))
        }
        var best = finest
        let range = lag.slopeRange
        var lo = log(range.lowerBound / 2), hi = log(range.upperBound * 2)
        let coarse = try probe(lag.choose(exp(lo)), phase: "coarsest", lambda: exp(lo))
        if coarse.meets { best = smaller(best, coarse) } else {
            for _ in 0..<options.bisectionSteps {
                let mid = (lo + hi) / 2
                let choice = lag.choose(exp(mid))
                if choice == lag.choose(exp(lo)) { lo = mid; continue }
                if choice == lag.choose(exp(hi)) { hi = mid; continue }
                let r = try probe(choice, phase: "bisection", lambda: exp(mid))
                if r.meets { best = smaller(best, r); hi = mid } else { lo = mid }
            }
            best = smaller(best, try probe(lag.choose(exp(hi)), phase: "bisection", lambda: exp(hi)))
        }
        let equalSlope = try refine(best, lag, options)
        guard let uniform = try uniformFloor(below: equalSlope, lag, evaluations: options.uniformEvaluations) else {
            return equalSlope
        }
        return smaller(equalSlope, try refine(uniform, lag, options))
    }

    /// The non-weights moved together, then the greedy pass.
    mutating func refine(_ start: Result, _ lag: Lagrangian, _ options: AllocationOptions) throws -> Result {
        try greedy(from: try coarsenNonWeights(from: start, lag), lag, evaluations: options.greedyEvaluations)
    }

    /// Uniform allocations (one qp for every weight tensor), coarsest (smallest) first, until
    /// one meets the budget: the equal-slope allocation rests on a Fisher estimate, and a
    /// uniform step the validation data accepts can be smaller (NNCodec's best is one).
    /// Only allocations the rate table estimates below `bound` are probed; nil when none met it.
    mutating func uniformFloor(below bound: Result, _ lag: Lagrangian, evaluations: Int) throws -> Result? {
        var left = evaluations
        for k in table.qps.indices.reversed() where left > 0 {
            let choice = lag.uniform(at: k)
            guard table.bytes(choice) < bound.bytes else { break }
            guard cache[choice] == nil else { continue }
            left -= 1
            let r = try probe(choice, phase: "uniform", lambda: nil)
            if r.meets { return r.bytes < bound.bytes ? r : nil }
        }
        return nil
    }

    /// Moves all non-weight tensors together to the coarsest grid index that still meets the
    /// budget (a bisection over the index, each step a real evaluation).
    mutating func coarsenNonWeights(from start: Result, _ lag: Lagrangian) throws -> Result {
        guard table.tensors.contains(where: { !$0.weight }) else { return start }
        var best = start
        var lo = 0, hi = table.qps.count   // lo meets the budget; hi is not known to
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            let r = try probe(lag.withNonWeights(best.choice, at: mid), phase: "non-weights", lambda: nil)
            if r.meets { lo = mid; best = smaller(best, r) } else { hi = mid }
        }
        return best
    }

    private func smaller(_ a: Result, _ b: Result) -> Result { b.meets && b.bytes < a.bytes ? b : a }

    /// Coarsens one tensor by one qp step at a time, keeping each step that still meets the budget.
    mutating func greedy(from start: Result, _ lag: Lagrangian, evaluations: Int) throws -> Result {
        var best = start
        var left = evaluations
        var tried = Set<Int>()
        while left > 0, let t = lag.greedyMoves(from: best.choice).first(where: { !tried.contains($0) }) {
            tried.insert(t)
            var c = best.choice
            c[t] += 1
            guard cache[c] == nil else { continue }
            left -= 1
            let r = try probe(c, phase: "greedy", lambda: nil)
            if r.meets && r.bytes < best.bytes { best = r; tried.remove(t) }
        }
        return best
    }
}
