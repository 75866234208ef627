import ONNXIO

// If, Loop and Scan. A subgraph may read values of the enclosing graphs ("outer scope"):
// `Session.init` appends those names to the node's inputs (`withImplicitInputs`), so the
// executor computes and keeps them like any input; the kernel passes them to a session of
// the subgraph as extra graph inputs.

enum ControlFlow {
    /// Names a graph reads that it neither defines nor receives (nested subgraphs included), in first-use order.
    static func freeVariables(_ g: Graph) -> [String] {
        var defined = Set(g.inputs.compactMap(\.name)).union(g.initializers.compactMap(\.name))
        var free: [String] = [], seen = Set<String>()
        func use(_ name: String) {
            if !name.isEmpty && !defined.contains(name) && seen.insert(name).inserted { free.append(name) }
        }
        for n in g.nodes {
            n.inputs.forEach(use)
            for a in n.attributes {
                for sub in (a.g.map { [$0] } ?? []) + a.graphs { freeVariables(sub).forEach(use) }
            }
            for o in n.outputs { defined.insert(o) }
        }
        return free
    }

    /// The subgraphs a node carries.
    static func subgraphs(_ n: Node) -> [Graph] {
        n.attributes.flatMap { a in (a.g.map { [$0] } ?? []) + a.graphs }
    }

    /// Nodes with each subgraph's outer-scope names appended to their inputs.
    static func withImplicitInputs(_ nodes: [Node]) -> [Node] {
        nodes.map { n in
            let subs = subgraphs(n)
            guard !subs.isEmpty else { return n }
            var m = n
            m.inputs += implicitInputs(n)
            return m
        }
    }

    static func implicitInputs(_ n: Node) -> [String] {
        var names: [String] = [], seen = Set<String>()
        for g in subgraphs(n) { for v in freeVariables(g) where seen.insert(v).inserted { names.append(v) } }
        return names
    }

    /// A session over `g` whose graph inputs are its own inputs followed by `outer` names.
    static func session(_ g: Graph, outer: [String], _ ctx: NodeContext) throws -> Session {
        var graph = g
        for name in outer where !graph.inputs.contains(where: { $0.name == name }) { graph.inputs.append(ValueInfo(name: name)) }
        let model = Model(irVersion: 10, opsetImports: [OperatorSetID(domain: "", version: Int64(ctx.opset))], graph: graph)
        return try Session(model: model, options: ctx.options)
    }

    /// The node's declared inputs and its outer-scope values by name.
    static func split(_ ctx: NodeContext) -> (declared: [NDArray?], outer: [String: NDArray]) {
        let names = implicitInputs(ctx.node)
        let declaredCount = ctx.inputs.count - names.count
        var outer: [String: NDArray] = [:]
        for (i, n) in names.enumerated() { if let v = ctx.inputs[declaredCount + i] { outer[n] = v } }
        return (Array(ctx.inputs[..<declaredCount]), outer)
    }
}

/// Stacks equally shaped arrays along a new first axis.
private func stack(_ parts: [NDArray], _ ctx: NodeContext) throws -> NDArray {
    guard let first = parts.first else { return NDArray(zeros: [0]) }
    guard parts.allSatisfy({ $0.shape == first.shape && $0.elementType == first.elementType }) else {
        throw ctx.fail("scan outputs differ in shape or type between iterations")
    }
    let shape = [parts.count] + first.shape
    switch first.storage {
    case .float: return NDArray(shape: shape, floats: parts.flatMap(\.floats))
    case .int64: return NDArray(shape: shape, int64s: parts.flatMap(\.int64s))
    case .bool: return NDArray(shape: shape, bools: parts.flatMap(\.bools))
    }
}

private func loop(_ ctx: NodeContext) throws -> [NDArray] {
    let (declared, outer) = ControlFlow.split(ctx)
    guard let body = ctx.node.attribute("body")?.g else { throw ctx.fail("body graph is required") }
    let s = try ControlFlow.session(body, outer: Array(outer.keys), ctx)
    let maxTrips = declared.first.flatMap { $0?.int64s.first }
    var cond = declared.count > 1 ? (declared[1]?.bools.first ?? true) : true
    var carried = try declared.dropFirst(2).map { v -> NDArray in
        guard let v else { throw ctx.fail("loop-carried inputs are required") }
        return v
    }
    let bodyInputs = body.inputs.compactMap(\.name)
    guard bodyInputs.count == carried.count + 2 else { throw ctx.fail("body takes \(bodyInputs.count) inputs for \(carried.count) loop-carried values") }
    var scans: [[NDArray]] = []
    var i: Int64 = 0
    while cond && (maxTrips == nil || i < maxTrips!) {
        var feed = outer
        feed[bodyInputs[0]] = NDArray(scalar: i)
        feed[bodyInputs[1]] = NDArray(shape: [], bools: [cond])
        for (j, v) in carried.enumerated() { feed[bodyInputs[j + 2]] = v }
        let out = try s.run(inputs: feed)
        let values = s.outputNames.map { out[$0]! }
        cond = values[0].bools.first ?? false
        carried = Array(values[1...carried.count])
        let extra = Array(values[(carried.count + 1)...])
        if scans.isEmpty { scans = extra.map { _ in [] } }
        for (j, v) in extra.enumerated() { scans[j].append(v) }
        i += 1
    }
    let scanCount = s.outputNames.count - 1 - carried.count
    let stacked = try (0..<scanCount).map { j in try stack(j < scans.count ? scans[j] : [], ctx) }
    return carried + stacked
}

private func scan(_ ctx: NodeContext) throws -> [NDArray] {
    let (declared, outer) = ControlFlow.split(ctx)
    guard let body = ctx.node.attribute("body")?.g else { throw ctx.fail("body graph is required") }
    let nScan = ctx.int("num_scan_inputs", 0)
    // Opset 8: an optional sequence_lens first, and a batch axis before the scan axis on
    // every input and output; the body runs per batch entry.
    let batched = ctx.opset < 9
    let given = batched ? Array(declared.dropFirst()) : declared
    let inputs = try given.map { v -> NDArray in guard let v else { throw ctx.fail("inputs are required") }; return v }
    let nState = inputs.count - nScan
    guard nState >= 0, nScan > 0, ctx.ints("scan_input_axes") == nil || ctx.ints("scan_input_axes")!.allSatisfy({ $0 == 0 }),
          ctx.ints("scan_output_axes") == nil || ctx.ints("scan_output_axes")!.allSatisfy({ $0 == 0 }) else {
        throw ctx.fail("only scan axes 0 are supported")
    }
    let inDirs = ctx.ints(batched ? "directions" : "scan_input_directions") ?? [Int](repeating: 0, count: nScan)
    let s = try ControlFlow.session(body, outer: Array(outer.keys), ctx)
    let run = ScanRun(session: s, names: body.inputs.compactMap(\.name), nState: nState, nScan: nScan,
                      inDirs: inDirs, outDirs: ctx.ints("scan_output_directions"), outer: outer)
    guard batched else { return try run.callAsFunction(inputs, ctx) }
    let batch = inputs.first?.shape.first ?? 0
    if let lens = declared.first ?? nil, let steps = inputs[nState].shape.dropFirst().first,
       lens.floats.contains(where: { Int($0) != steps }) {
        throw ctx.fail("sequence_lens shorter than the scan axis is not supported")
    }
    let perEntry = try (0..<batch).map { b in
        try run(inputs.map { $0.slice(rows: b..<(b + 1)).reshaped(Array($0.shape.dropFirst())) }, ctx)
    }
    return try (0..<(perEntry.first?.count ?? 0)).map { j in try stack(perEntry.map { $0[j] }, ctx) }
}

/// One Scan over unbatched inputs: states first, then the scan inputs along axis 0.
private struct ScanRun {
    let session: Session
    let names: [String]
    let nState: Int, nScan: Int
    let inDirs: [Int]
    let outDirs: [Int]?
    let outer: [String: NDArray]

    func callAsFunction(_ inputs: [NDArray], _ ctx: NodeContext) throws -> [NDArray] {
        var state = Array(inputs[..<nState])
        let steps = inputs[nState].shape.first ?? 0
        var scans: [[NDArray]] = []
        for t in 0..<steps {
            var feed = outer
            for (j, v) in state.enumerated() { feed[names[j]] = v }
            for j in 0..<nScan {
                let x = inputs[nState + j]
                let row = inDirs[j] == 1 ? steps - 1 - t : t
                feed[names[nState + j]] = x.slice(rows: row..<(row + 1)).reshaped(Array(x.shape.dropFirst()))
            }
            let out = try session.run(inputs: feed)
            let values = session.outputNames.map { out[$0]! }
            state = Array(values[..<nState])
            let extra = Array(values[nState...])
            if scans.isEmpty { scans = extra.map { _ in [] } }
            for (j, v) in extra.enumerated() { scans[j].append(v) }
        }
        let stacked = try scans.enumerated().map { j, parts in try stack(outDirs?[j] == 1 ? parts.reversed() : parts, ctx) }
        return state + stacked
    }
}

func registerControlFlow(_ k: inout [String: Kernel]) {
    k["If"] = { ctx in
        let (declared, outer) = ControlFlow.split(ctx)
        guard let c = declared.first ?? nil, let cond = c.bools.first else { throw ctx.fail("cond is required") }
        guard let branch = ctx.node.attribute(cond ? "then_branch" : "else_branch")?.g else { throw ctx.fail("missing branch graph") }
        let s = try ControlFlow.session(branch, outer: Array(outer.keys), ctx)
        let out = try s.run(inputs: outer)
        return s.outputNames.map { out[$0]! }
    }
    k["Loop"] = { ctx in try loop(ctx) }
    k["Scan"] = { ctx in try scan(ctx) }
}
