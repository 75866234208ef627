import ONNXIO

/// A layer reading channels: for each (output unit, input feature), whether a non-zero weight connects them.
private struct ChannelReader { var x: String; var y: String; var features: Int; var units: Int; var reads: [Bool] }

extension SimplifyState {
    /// Removes every channel class that is not pinned and that no Conv/Gemm/MatMul reads
    /// through a non-zero weight of a kept output: weight rows of its producers, input
    /// columns of its consumers, BN parameters, per-channel constants, depthwise `group`,
    /// Reshape shape constants and Split sizes.
    ///
    /// A value never loses all its channels (one is kept so that no tensor becomes empty).
    mutating func removeChannels(_ report: inout SimplifyReport) throws {
        let pinned = cg.pinnedRoots()
        var removable = pinned.map { !$0 }
        // Why a class stays (reported for pruned channels that could not go).
        var why = [String?](repeating: nil, count: removable.count)
        for (root, reason) in cg.pinReasons() { why[root] = "pinned by " + reason }
        let (readers, grouped) = try channelReaders()
        var valuesWithChannels = Array(cg.channels.keys).sorted()
        valuesWithChannels.removeAll { cg.channels[$0] == 0 }
        var changed = true
        while changed {
            changed = false
            // Propagate "read by a kept output" to its fixpoint before keeping one channel of
            // an emptied value: otherwise a value still waiting for the propagation counts as
            // empty and keeps a dead channel.
            var propagating = true
            while propagating {
                propagating = false
                for r in readers {
                    for j in 0..<r.features {
                        let rx = cg.find(cg.element(r.x, j)!)
                        guard removable[rx] else { continue }
                        for o in 0..<r.units where r.reads[o * r.features + j] && !removable[cg.find(cg.element(r.y, o)!)] {
                            removable[rx] = false
                            why[rx] = "read by a kept channel of '\(r.y)'"
                            propagating = true
                            break
                        }
                    }
                }
            }
            // A grouped Conv keeps the same number of input and of output channels per group.
            for gc in grouped where balanceGroups(gc.x, gc.groups, &removable, &why) || balanceGroups(gc.y, gc.groups, &removable, &why) {
                changed = true
            }
            for v in valuesWithChannels {
                let n = cg.channels[v]!
                var all = true
                for c in 0..<n where !removable[cg.find(cg.element(v, c)!)] { all = false; break }
                if all {
                    removable[cg.find(cg.element(v, 0)!)] = false
                    why[cg.find(cg.element(v, 0)!)] = "the last channel of '\(v)' (no tensor may become empty)"
                    changed = true
                }
            }
        }
        var removed: [String: Set<Int>] = [:]
        for v in valuesWithChannels {
            var s = Set<Int>()
            for c in 0..<cg.channels[v]! where removable[cg.find(cg.element(v, c)!)] { s.insert(c) }
            if !s.isEmpty { removed[v] = s }
        }
        report.keptPrunedChannels = try keptPrunedChannels(removable, why)
        report.pinnedValues = valuesWithChannels.filter { v in (0..<cg.channels[v]!).allSatisfy { pinned[cg.find(cg.element(v, $0)!)] } }.count
        guard !removed.isEmpty else { return }
        changedValues = Set(removed.keys)
        try apply(removed, &report)
    }

    /// Which (input, output) pairs each reading layer connects with a non-zero weight, and
    /// the grouped Convs (whose groups must stay balanced).
    private func channelReaders() throws -> (readers: [ChannelReader], grouped: [(x: String, y: String, groups: Int)]) {
        var readers: [ChannelReader] = []
        var grouped: [(x: String, y: String, groups: Int)] = []
        for (i, n) in nodes.enumerated() {
            let x = n.inputs.first ?? "", y = n.outputs.first ?? ""
            var w: DenseTensor
            var inAxis = 1, outAxis = 0
            switch cg.roles[i] {
            case .conv(let wName, _, let depthwise, _):
                if depthwise { continue }
                w = try inits.dense(wName)!
            case .groupedConv(let wName, _, let groups, _):
                let r = try groupedReads(wName, groups: groups)
                readers.append(ChannelReader(x: x, y: y, features: r.features, units: r.units, reads: r.reads))
                grouped.append((x, y, groups))
                continue
            case .gemm(let wName, _, let transB):
                w = try inits.dense(wName)!
                inAxis = transB ? 1 : 0; outAxis = 1 - inAxis
            case .matMul(let wName, _):
                w = try inits.dense(wName)!
                inAxis = 0; outAxis = 1
            default:
                continue
            }
            let features = w.dims[inAxis], units = w.dims[outAxis]
            var reads = [Bool](repeating: false, count: features * units)
            let kk = w.count / max(features * units, 1)
            for o in 0..<units {
                for j in 0..<features {
                    let base = inAxis == 1 ? (o * features + j) * kk : (j * units + o)
                    var nz = false
                    for t in 0..<kk where w.values[base + t] != 0 { nz = true; break }
                    reads[o * features + j] = nz
                }
            }
            readers.append(ChannelReader(x: x, y: y, features: features, units: units, reads: reads))
        }
        return (readers, grouped)
    }

    private mutating func apply(_ removed: [String: Set<Int>], _ report: inout SimplifyReport) throws {
        func drop(_ name: String, _ r: Set<Int>, axis: Int) throws {
            guard !r.isEmpty, let d = try inits.dense(name) else { return }
            try inits.set(name, d.removing(r, axis: axis))
        }
        let layerNames = Dictionary(WeightedLayer.find(in: graph).map { ($0.node, $0.name) }, uniquingKeysWith: { a, _ in a })
        for i in nodes.indices {
            let n = nodes[i]
            let x = n.inputs.first ?? "", y = n.outputs.first ?? ""
            let rx = removed[x] ?? [], ry = removed[y] ?? []
            // The bias as the node has it now: constant propagation may have added one after
            // the channel graph was built (a Conv without bias reading constant channels).
            let currentBias = n.inputs.count > 2 && !n.inputs[2].isEmpty ? n.inputs[2] : nil
            switch cg.roles[i] {
            case .conv(let wName, _, let depthwise, _):
                let bName = currentBias
                if depthwise {
                    try drop(wName, ry, axis: 0)
                    if !ry.isEmpty { nodes[i].setAttribute(.int("group", Int64(cg.channels[y]! - ry.count))) }
                } else {
                    try drop(wName, ry, axis: 0)
                    try drop(wName, rx, axis: 1)
                }
                if let bName { try drop(bName, ry, axis: 0) }
                if !ry.isEmpty { report.removedChannels[layerNames[i] ?? Self.displayName(n, i)] = ry.count }
            case .groupedConv(let wName, _, let groups, _):
                try removeGrouped(wName, groups: groups, inputs: rx, outputs: ry)
                if let currentBias { try drop(currentBias, ry, axis: 0) }
                if !ry.isEmpty { report.removedChannels[layerNames[i] ?? Self.displayName(n, i)] = ry.count }
            case .gemm(let wName, _, let transB):
                let bName = currentBias
                try drop(wName, ry, axis: transB ? 0 : 1)
                try drop(wName, rx, axis: transB ? 1 : 0)
                if let bName, let c = inits.tensor(bName), c.elementCount > 1 { try drop(bName, ry, axis: c.dims.count - 1) }
                if !ry.isEmpty { report.removedChannels[layerNames[i] ?? Self.displayName(n, i)] = ry.count }
            case .matMul(let wName, _):
                try drop(wName, ry, axis: 1)
                try drop(wName, rx, axis: 0)
                if !ry.isEmpty { report.removedChannels[layerNames[i] ?? Self.displayName(n, i)] = ry.count }
            case .batchNorm(let s, let b, let m, let v, _):
                for p in [s, b, m, v] { try drop(p, rx, axis: 0) }
            case .binary(let ops):
                for op in ops { if case .perChannel(let t, let axis, _) = op { try drop(t, ry, axis: axis) } }
            case .reshapeFlatten(let shapeName):
                guard !ry.isEmpty, var v = try inits.tensor(shapeName)?.int64Values(), v[1] > 0 else { break }
                v[1] = Int64(cg.channels[y]! - ry.count)
                var target = shapeName
                if cg.useCount[shapeName, default: 0] > 1 {
                    target = freshName(shapeName + "_pruned")
                    try inits.add(target, DenseTensor(zeros: [2]))
                    nodes[i].inputs[1] = target
                }
                inits.setInt64s(target, v)
            case .split:
                let sizes = n.outputs.map { cg.channels[$0]! - (removed[$0]?.count ?? 0) }
                guard n.outputs.contains(where: { removed[$0] != nil }) else { break }
                if n.inputs.count > 1 && !n.inputs[1].isEmpty {
                    var target = n.inputs[1]
                    if cg.useCount[target, default: 0] > 1 {
                        target = freshName(target + "_pruned")
                        try inits.add(target, DenseTensor(zeros: [sizes.count]))
                        nodes[i].inputs[1] = target
                    }
                    inits.setInt64s(target, sizes.map { Int64($0) })
                } else if cg.opset >= 13 {
                    let name = freshName(y + "_split")
                    try inits.add(name, DenseTensor(zeros: [sizes.count]))
                    inits.setInt64s(name, sizes.map { Int64($0) })
                    while nodes[i].inputs.count < 2 { nodes[i].inputs.append("") }
                    nodes[i].inputs[1] = name
                } else {
                    nodes[i].setAttribute(.ints("split", sizes.map { Int64($0) }))
                }
            case .unary, .pool, .concat, .flatten, .barrier:
                break
            }
        }
    }
}
