import ONNXIO

/// Grouped convolutions (1 < group < channels): weight [M, C/g, kh, kw], output o of group
/// o / (M/g) reads inputs (o / (M/g))·C/g ..< +C/g. Constants fold per group; channels are
/// removed in equal numbers from every group so the Conv keeps its `group`.
extension SimplifyState {
    /// Which (output, input) pairs the weight connects with a non-zero kernel, as a dense
    /// [units × features] table over the full input channels.
    func groupedReads(_ wName: String, groups: Int) throws -> (features: Int, units: Int, reads: [Bool]) {
        let w = try inits.dense(wName)!
        let units = w.dims[0], per = w.dims[1], features = per * groups, outPer = units / groups
        let kk = w.count / max(units * per, 1)
        var reads = [Bool](repeating: false, count: features * units)
        for o in 0..<units {
            let first = (o / outPer) * per
            for jl in 0..<per {
                let base = (o * per + jl) * kk
                reads[o * features + first + jl] = w.values[base..<(base + kk)].contains { $0 != 0 }
            }
        }
        return (features, units, reads)
    }

    /// Marks channels of `v` as kept until every group keeps as many as the fullest one
    /// (at least one). Returns whether anything changed.
    mutating func balanceGroups(_ v: String, _ groups: Int, _ removable: inout [Bool], _ why: inout [String?]) -> Bool {
        guard let n = cg.channels[v], n % groups == 0 else { return false }
        let per = n / groups
        var kept = [Int](repeating: 0, count: groups)
        for c in 0..<n where !removable[cg.find(cg.element(v, c)!)] { kept[c / per] += 1 }
        let want = max(1, kept.max() ?? 0)
        var changed = false
        for k in 0..<groups {
            for c in (k * per)..<((k + 1) * per) where kept[k] < want {
                let r = cg.find(cg.element(v, c)!)
                guard removable[r] else { continue }
                removable[r] = false
                why[r] = "the groups of the grouped Conv reading or writing '\(v)' must stay equal"
                kept[k] += 1
                changed = true
            }
        }
        return changed
    }

    /// Drops removed outputs (rows) and, per group, removed inputs (kernel columns).
    mutating func removeGrouped(_ wName: String, groups: Int, inputs rx: Set<Int>, outputs ry: Set<Int>) throws {
        guard !rx.isEmpty || !ry.isEmpty, let w = try inits.dense(wName) else { return }
        let units = w.dims[0], per = w.dims[1], outPer = units / groups
        let kk = w.count / max(units * per, 1)
        let keptIn = (0..<groups).map { k in (0..<per).filter { !rx.contains(k * per + $0) } }
        let keptOut = (0..<groups).map { k in (0..<outPer).filter { !ry.contains(k * outPer + $0) } }
        guard Set(keptIn.map(\.count)).count == 1, Set(keptOut.map(\.count)).count == 1 else {
            throw PruneError("internal: grouped Conv weight '\(wName)' would lose different numbers of channels per group")
        }
        var values: [Float] = []
        for k in 0..<groups {
            for ol in keptOut[k] {
                let o = k * outPer + ol
                for jl in keptIn[k] { values += w.values[((o * per + jl) * kk)..<((o * per + jl + 1) * kk)] }
            }
        }
        try inits.set(wName, DenseTensor(dims: [keptOut[0].count * groups, keptIn[0].count] + w.dims[2...], values: values))
    }

    /// Constant input channels fold into the bias of the outputs of their group (exact
    /// unless the Conv zero-pads and the constant is non-zero); all-zero output rows are
    /// constant at their bias.
    mutating func foldGroupedConv(_ i: Int, _ x: String, _ y: String, _ name: String, _ wName: String, _ bName: String?,
                                  _ groups: Int, _ padded: Bool, _ report: inout SimplifyReport) throws {
        var w = try inits.dense(wName)!
        let units = w.dims[0], per = w.dims[1], outPer = units / groups
        let kk = w.count / max(units * per, 1)
        var b = try bName.flatMap { try inits.dense($0) }?.values ?? [Float](repeating: 0, count: units)
        var changed = false
        for j in 0..<(per * groups) {
            guard let a = k(x, j) else { continue }
            let outs = ((j / per) * outPer)..<((j / per + 1) * outPer), jl = j % per
            let read = outs.contains { o in w.values[((o * per + jl) * kk)..<((o * per + jl + 1) * kk)].contains { $0 != 0 } }
            guard read else { continue }
            if a != 0 && padded { report.keptConstantChannels[name, default: 0] += 1; continue }
            for o in outs {
                let range = ((o * per + jl) * kk)..<((o * per + jl + 1) * kk)
                let s = w.values[range].reduce(0.0) { $0 + Double($1) }
                b[o] = Float(Double(b[o]) + Double(a) * s)
                for t in range { w.values[t] = 0 }
            }
            changed = true
            report.foldedInputs += 1
        }
        for o in 0..<units where w.isZero(axis: 0, index: o) { setK(y, o, b[o]) }
        guard changed else { return }
        try inits.set(wName, w)
        try setBias(i, inputIndex: 2, current: bName, b, like: wName)
    }
}
