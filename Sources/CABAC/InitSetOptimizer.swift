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
