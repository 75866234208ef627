/// Chooses an initialization set per context the way NNCodec 2.1.3 does (`param_opt`).
///
/// Every context runs nine shadow models, one per initialization set, through the tensor's
/// bins and adds up each model's estimated cost. A context keeps set 0 unless another set
/// is cheaper by more than the 3 bits it takes to signal it; ties go to the lower set.
@usableFromInline
struct InitSetOptimizer: IndexedBinSink {
    @usableFromInline var models: [ContextModel]
    @usableFromInline var costs: [UInt64]

    @usableFromInline let tables = RawTables.shared
    /// Which shadow models run: `allSets`, `lowSets` (sets 0...4) or `highSets` (5...8); the
    /// costs of the others stay 0. Two optimizers with the halves price the same bins on two
    /// threads; `merge` joins their costs.
    @usableFromInline var sets = Self.allSets
    @usableFromInline static let allSets = 0, lowSets = 1, highSets = 2

    @usableFromInline
    init(contextCount: Int) {
        for (s, entry) in initializationSets.enumerated() {
            precondition(Self.shifts[s] == (entry.shift0 + 4, entry.shift1), "initialization set table changed")
        }
        models = []
        models.reserveCapacity(contextCount * 9)
        for _ in 0..<contextCount {
            for set in 0..<9 { models.append(ContextModel(initSet: set)) }
        }
        costs = Array(repeating: 0, count: contextCount * 9)
    }

    /// Storage bound for the duration of a pass (see `withBoundStorage`).
    @usableFromInline var modelPointer: UnsafeMutablePointer<ContextModel>?
    @usableFromInline var costPointer: UnsafeMutablePointer<UInt64>?
    @usableFromInline var boundCount = 0

    /// Runs `body` with the shadow models and costs bound to raw pointers, so the per-bin
    /// work is a plain loop over nine models.
    @inlinable
    mutating func withBoundStorage(_ body: (inout InitSetOptimizer) -> Void) {
        var m = models, c = costs
        models = []; costs = []
        m.withUnsafeMutableBufferPointer { mp in
            c.withUnsafeMutableBufferPointer { cp in
                modelPointer = mp.baseAddress
                costPointer = cp.baseAddress
                boundCount = mp.count
                body(&self)
                modelPointer = nil
                costPointer = nil
            }
        }
        models = m; costs = c
    }

    /// The window sizes of the nine sets, as `shadowStep` hard-codes them.
    @usableFromInline static let shifts: [(Int32, Int32)] = [(5, 4), (5, 4), (5, 4), (4, 5), (6, 6), (6, 6), (6, 6), (7, 5), (7, 5)]

    @inlinable
    mutating func encodeBin(_ bin: UInt32, contextIndex: Int) {
        let base = contextIndex &* 9
        let m = modelPointer.unsafelyUnwrapped + base
        let c = costPointer.unsafelyUnwrapped + base
        let t = tables
        // The nine sets' window sizes as constants (checked against the table in `init`).
        if sets != Self.highSets {
            shadowStep(m + 0, c + 0, bin, 5, 4, t)
            shadowStep(m + 1, c + 1, bin, 5, 4, t)
            shadowStep(m + 2, c + 2, bin, 5, 4, t)
            shadowStep(m + 3, c + 3, bin, 4, 5, t)
            shadowStep(m + 4, c + 4, bin, 6, 6, t)
        }
        if sets != Self.lowSets {
            shadowStep(m + 5, c + 5, bin, 6, 6, t)
            shadowStep(m + 6, c + 6, bin, 6, 6, t)
            shadowStep(m + 7, c + 7, bin, 7, 5, t)
            shadowStep(m + 8, c + 8, bin, 7, 5, t)
        }
    }

    /// The shadow sets item `item` (0 or 1) of a pricing split in two halves runs; all nine
    /// when it is not split.
    @usableFromInline
    static func half(_ item: Int, split: Bool) -> Int { split ? (item == 0 ? lowSets : highSets) : allSets }

    /// `low` with the costs of `high` merged in (the other half of the sets), or `low` alone.
    @usableFromInline
    static func merged(_ low: InitSetOptimizer, _ high: InitSetOptimizer?) -> InitSetOptimizer {
        var optimizer = low
        if let high { optimizer.merge(high) }
        return optimizer
    }

    /// `price(sets, helped)` for all nine sets; with `runner`, the high half of the sets is
    /// also an item for a free worker. The first item prices all nine sets and, from when
    /// `helped()` turns true (a worker took the second item and prices sets 5...8 from the
    /// start), only sets 0...4; the costs merged are the same either way. Without a helper the
    /// tensor is priced in one pass (the second item, run later, finds nothing left to do).
    static func priced(runner: SegmentRunner?,
                       _ price: (_ sets: Int, _ helped: () -> Bool) -> InitSetOptimizer) -> InitSetOptimizer {
        guard let runner else { return price(allSets, { false }) }
        let claim = Monitor()
        var taken = 0   // 0: the high half is free, 1: a helper prices it, 2: the first item priced all
        var first: InitSetOptimizer? = nil, high: InitSetOptimizer? = nil   // one variable per item
        runner(2) { j in
            if j == 0 {
                first = price(allSets, { claim.locked { taken == 1 } })
                claim.locked { if taken == 0 { taken = 2 } }
            } else if claim.locked({ () -> Bool in
                guard taken == 0 else { return false }
                taken = 1
                return true
            }) {
                high = price(highSets, { false })
            }
        }
        return merged(first!, high)
    }

    /// In the first item of `priced`, before level number `priced`: every 1024 levels, while
    /// all nine sets run, whether a helper took the high half; then only sets 0...4 run on.
    @inlinable
    mutating func leaveHighSets(after priced: Int, ifHelped helped: () -> Bool) {
        if priced & 1023 == 0 && sets == Self.allSets && helped() { sets = Self.lowSets }
    }

    /// Takes the costs of the sets `other` ran (`highSets` into a `lowSets` optimizer).
    @usableFromInline
    mutating func merge(_ other: InitSetOptimizer) {
        for i in 0..<costs.count where (i % 9 >= 5) == (other.sets == Self.highSets) { costs[i] = other.costs[i] }
        sets = Self.allSets
    }

    /// Prices `bin` in one shadow model and adapts it (`cost` and `update` with constant
    /// window sizes).
    @inlinable @inline(__always)
    func shadowStep(_ m: UnsafeMutablePointer<ContextModel>, _ c: UnsafeMutablePointer<UInt64>, _ bin: UInt32,
                    _ shift0: Int32, _ shift1: Int32, _ t: RawTables) {
        c.pointee &+= UInt64(t.price(bin, &m.pointee, shift0: shift0, shift1: shift1))
    }

    @inlinable
    mutating func encodeBypassBins(_ bins: UInt32, count: Int) {}

    /// Restores every shadow model's initial state (costs are kept), at an entry point.
    @inlinable
    mutating func resetStates() {
        guard let m = modelPointer else { return }
        for i in 0..<boundCount { m[i].reset() }
    }

    /// The chosen initialization set of context `index`.
    @usableFromInline
    func bestSet(_ index: Int) -> Int {
        let base = index * 9
        var best = 0
        var minimum = costs[base]
        for s in 1..<9 where costs[base + s] + 3 * 32768 < minimum {
            best = s
            minimum = costs[base + s] + 3 * 32768
        }
        return best
    }
}
