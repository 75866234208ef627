import CABAC

// The Viterbi search behind `DependentQuantizer`: per-weight candidates and the trellis.

/// The four non-zero candidates of one weight: scaled magnitude, sign, and for each class
/// c the candidate |r| and its squared error (class 4: zero).
struct Candidates {
    var negative = false
    var magnitude: (Int, Int, Int, Int) = (0, 0, 0, 0)
    var distortion: (Double, Double, Double, Double, Double) = (0, 0, 0, 0, 0)

    /// NNCodec's PreQuant: org = (1/Δ)·w·sign in double; candidates |r| in
    /// max(1, ⌊org⌋ − 1) ..< +4, one per class; nil when org is NaN or out of range.
    @inline(__always)
    init?(_ w: Float, inverseStep inv: Double, distortionScale ds: Double) {
        negative = w < 0
        let org = inv * Double(w) * (negative ? -1.0 : 1.0)
        guard org <= QuantStep.maxScaledMagnitude else { return nil }
        let base = max(1, Int(org) - 1)
        // The candidate of class c is the one of base ..< base + 4 congruent to c (mod 4).
        let q0 = base + ((0 - base) & 3), q1 = base + ((1 - base) & 3)
        let q2 = base + ((2 - base) & 3), q3 = base + ((3 - base) & 3)
        let e0 = org - Double(q0), e1 = org - Double(q1), e2 = org - Double(q2), e3 = org - Double(q3)
        magnitude = (q0, q1, q2, q3)
        distortion = (ds * (e0 * e0), ds * (e1 * e1), ds * (e2 * e2), ds * (e3 * e3), ds * (org * org))
    }

    /// |r| of class c (0...3) for a weight, without building the rest (traceback).
    @inline(__always)
    static func magnitude(of w: Float, inverseStep inv: Double, class c: Int) -> Int {
        let org = inv * Double(w) * (w < 0 ? -1.0 : 1.0)
        let base = max(1, Int(org) - 1)
        return base + ((c - base) & 3)
    }
}

/// The incoming branches of every state as `Trellis.block` hard-codes them.
let hardCodedIncoming = [0, 1, 14, 6, 7, 20, 2, 12, 13, 8, 18, 19, 11, 21, 22, 5, 15, 16, 9, 10, 23, 3, 4, 17]

struct Trellis<Mode: TrellisRateMode> {
    let weights: UnsafeBufferPointer<Float>
    let inv: Double
    let ds: Double
    let unaryLength: Int
    let refresh: Int
    let window: Int
    var contexts: ContextSet
    var table: LevelRateTable
    /// Traced-back path segment (reused between refreshes).
    var segmentLevels: [Int32] = []
    var segmentStates: [UInt8] = []
    var lastApplied: Int32 = 0

    init(weights: UnsafeBufferPointer<Float>, inverseStep: Double, distortionScale: Double,
         unaryLength: Int, refresh: Int, window: Int) {
        self.weights = weights
        self.inv = inverseStep
        self.ds = distortionScale
        self.unaryLength = unaryLength
        self.refresh = refresh
        self.window = window
        precondition(trellisIncoming == hardCodedIncoming, "trellis table changed: update Trellis.block")
        contexts = ContextSet(unaryLength: unaryLength)
        table = Mode.rated ? LevelRateTable(contexts: &contexts) : LevelRateTable(unused: ())
    }

    /// Runs the search and writes the levels of the path ending in `finalState` (nil: the
    /// lowest-cost state); false if a weight is NaN, infinite or out of range. State 0 is
    /// always reachable (zeros keep it), so a path ending there always exists.
    mutating func run(decisions: UnsafeMutablePointer<UInt16>, levels: UnsafeMutablePointer<Int32>, finalState: Int?) -> Bool {
        let n = weights.count
        var cost = [Double](repeating: 0.5 * Double.greatestFiniteMagnitude, count: 16)
        cost[0] = 0
        var nb = [UInt8](repeating: 0, count: 16)
        var current = 0   // cost[current * 8 ..< +8] is the live set
        var i = 0
        while i < n {
            let end = Mode.rated ? min(n, i + refresh) : n
            let ok = table.costs.withUnsafeBufferPointer { rc in
                cost.withUnsafeMutableBufferPointer { cp in
                    nb.withUnsafeMutableBufferPointer { np in
                        block(from: i, to: end, current: &current, cost: cp.baseAddress!, nb: np.baseAddress!,
                              rates: rc.baseAddress!, decisions: decisions)
                    }
                }
            }
            guard ok else { return false }
            if Mode.rated && end < n {
                let best = bestState(cost, current)
                applyPath(from: max(i, end - window), to: end, finalState: best, decisions: decisions)
                table = LevelRateTable(contexts: &contexts)
            }
            i = end
        }
        traceBack(from: n, finalState: finalState ?? bestState(cost, current), decisions: decisions, to: 0) { j, level, _ in
            levels[j] = level
        }
        return true
    }

    /// Lowest-cost state, the lowest index on ties.
    func bestState(_ cost: [Double], _ current: Int) -> Int {
        var best = 0
        for s in 1..<8 where cost[current * 8 + s] < cost[current * 8 + best] { best = s }
        return best
    }

    /// Viterbi steps for elements start..<end. Each step prices the three branches leaving
    /// every state (non-zero of parity 0, zero, non-zero of parity 1), then picks each state's
    /// best incoming branch without data-dependent jumps.
    @inline(__always)
    func block(from start: Int, to end: Int, current: inout Int, cost: UnsafeMutablePointer<Double>,
               nb: UnsafeMutablePointer<UInt8>, rates: UnsafePointer<UInt32>, decisions: UnsafeMutablePointer<UInt16>) -> Bool {
        var cur = current
        // Outgoing branch costs, 3 per state: [3·prev + 0: parity 0, 1: zero, 2: parity 1].
        var out: (Double, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double,
                  Double, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double)
            = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &out) { outRaw in
            let o = outRaw.baseAddress!.assumingMemoryBound(to: Double.self)
            for i in start..<end {
                guard let cand = Candidates(weights[i], inverseStep: inv, distortionScale: ds) else { return false }
                let old = cost + cur * 8, new = cost + (cur ^ 1) * 8
                priceBranches(cand, old: old, oldNb: nb + cur * 8, rates: rates, into: o)
                let newNb = nb + (cur ^ 1) * 8
                let nz: UInt8 = cand.negative ? 1 : 2
                // Each state's three incoming branches as indices into `out` (NNCodec's order,
                // `hardCodedIncoming`, checked in `init` against `trellisBranches`) and which is level 0.
                var code = pick(o, 0, 1, 14, zero: 1, new, newNb, 0, nz)
                code |= pick(o, 6, 7, 20, zero: 1, new, newNb, 1, nz)
                code |= pick(o, 2, 12, 13, zero: 2, new, newNb, 2, nz)
                code |= pick(o, 8, 18, 19, zero: 2, new, newNb, 3, nz)
                code |= pick(o, 11, 21, 22, zero: 2, new, newNb, 4, nz)
                code |= pick(o, 5, 15, 16, zero: 2, new, newNb, 5, nz)
                code |= pick(o, 9, 10, 23, zero: 1, new, newNb, 6, nz)
                code |= pick(o, 3, 4, 17, zero: 1, new, newNb, 7, nz)
                decisions[i] = code
                cur ^= 1
            }
            current = cur
            return true
        }
    }

    /// State `s`'s best incoming branch of `o[i0]`, `o[i1]`, `o[i2]` (strictly lower cost
    /// wins, so earlier branches win ties): its cost into `new[s]`, its neighbour class
    /// (0 after level 0, else `nz`) into `newNb[s]`, and its choice (0...2) at bits 2s.
    @inline(__always)
    func pick(_ o: UnsafeMutablePointer<Double>, _ i0: Int, _ i1: Int, _ i2: Int, zero z: Int,
              _ new: UnsafeMutablePointer<Double>, _ newNb: UnsafeMutablePointer<UInt8>, _ s: Int, _ nz: UInt8) -> UInt16 {
        let c0 = o[i0], c1 = o[i1], c2 = o[i2]
        let take1 = c1 < c0
        let best01 = take1 ? c1 : c0
        let take2 = c2 < best01
        new[s] = take2 ? c2 : best01
        let b = take2 ? 2 : (take1 ? 1 : 0)
        if Mode.rated { newNb[s] = b == z ? 0 : nz }
        return UInt16(truncatingIfNeeded: b) << UInt16(2 * s)
    }

    /// Prices the three branches leaving every state for one weight into `o`:
    /// [3·prev + 0: parity 0, 1: zero, 2: parity 1], distortion plus (when rated) rate.
    @inline(__always)
    func priceBranches(_ cand: Candidates, old: UnsafeMutablePointer<Double>, oldNb: UnsafeMutablePointer<UInt8>,
                       rates: UnsafePointer<UInt32>, into o: UnsafeMutablePointer<Double>) {
        let g = unaryLength
        let neg = cand.negative
        let (d0, d1, d2, d3, dz) = cand.distortion
        if Mode.rated {
            let (m0, m1, m2, m3) = cand.magnitude
            let r0 = Double(LevelRateTable.magnitudeCost((m0 + 1) >> 1, negative: neg, unaryLength: g, costs: rates))
            let r1 = Double(LevelRateTable.magnitudeCost((m1 + 1) >> 1, negative: neg, unaryLength: g, costs: rates))
            let r2 = Double(LevelRateTable.magnitudeCost((m2 + 1) >> 1, negative: neg, unaryLength: g, costs: rates))
            let r3 = Double(LevelRateTable.magnitudeCost((m3 + 1) >> 1, negative: neg, unaryLength: g, costs: rates))
            let signBase = LevelRateTable.signOffset + (neg ? 1 : 0)
            for p in 0..<8 {
                let n = Int(oldNb[p])
                let sig = (3 * p + n) * 2
                let zeroRate = Double(rates[sig])
                let nonZeroRate = Double(rates[sig + 1] + rates[signBase + 2 * n])
                let odd = p & 1 != 0
                o[3 * p] = (old[p] + (odd ? d3 : d0)) + (nonZeroRate + (odd ? r3 : r0))
                o[3 * p + 1] = (old[p] + dz) + zeroRate
                o[3 * p + 2] = (old[p] + (odd ? d1 : d2)) + (nonZeroRate + (odd ? r1 : r2))
            }
        } else {
            for p in 0..<8 {
                let odd = p & 1 != 0
                o[3 * p] = old[p] + (odd ? d3 : d0)
                o[3 * p + 1] = old[p] + dz
                o[3 * p + 2] = old[p] + (odd ? d1 : d2)
            }
        }
    }

    /// Walks the survivor path ending in `finalState` after element `end` − 1 back to
    /// element `start`, calling `body(j, level, stateBefore)` from the last element down.
    @inline(__always)
    func traceBack(from end: Int, finalState: Int, decisions: UnsafeMutablePointer<UInt16>, to start: Int,
                   _ body: (Int, Int32, Int) -> Void) {
        var state = finalState
        var j = end - 1
        trellisBranches.withUnsafeBufferPointer { br in
            while j >= start {
                let b = Int(decisions[j] >> UInt16(2 * state)) & 3
                let entry = Int(br[3 * state + b])
                let prev = entry & 7, cls = entry >> 3
                var level: Int32 = 0
                if cls != 4 {
                    let w = weights[j]
                    let m = Int32(Candidates.magnitude(of: w, inverseStep: inv, class: cls))
                    level = w < 0 ? -m : m
                }
                body(j, level, prev)
                state = prev
                j -= 1
            }
        }
    }

    /// Codes the current best path's levels of elements start..<end into the running contexts.
    mutating func applyPath(from start: Int, to end: Int, finalState: Int, decisions: UnsafeMutablePointer<UInt16>) {
        let count = end - start
        if segmentLevels.count < count {
            segmentLevels = [Int32](repeating: 0, count: count)
            segmentStates = [UInt8](repeating: 0, count: count)
        }
        var levelsBuffer = segmentLevels, statesBuffer = segmentStates
        segmentLevels = []; segmentStates = []
        traceBack(from: end, finalState: finalState, decisions: decisions, to: start) { j, level, state in
            levelsBuffer[j - start] = level
            statesBuffer[j - start] = UInt8(state)
        }
        var estimator = BitEstimator(adapts: true)
        var previous = lastApplied
        for j in 0..<count {
            let state = Int(statesBuffer[j])
            let k = DependentQuantization.index(reconstructionLevel: levelsBuffer[j], state: state)!
            contexts.encodeLevel(k, state: state, previous: previous, into: &estimator)
            previous = k
        }
        lastApplied = previous
        segmentLevels = levelsBuffer; segmentStates = statesBuffer
    }
}
