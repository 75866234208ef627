import ONNXIO

/// What `Simplifier.simplify` did.
public struct SimplifyReport: Sendable, Codable, Equatable {
    /// BatchNormalization nodes folded into the Conv/Gemm before them.
    public var foldedBatchNorms: [String] = []
    /// Channels found to be constant (dead neurons and what they feed).
    public var constantChannels = 0
    /// Constant input channels folded into a consumer's bias (or dropped, when 0).
    public var foldedInputs = 0
    /// Per Conv/MatMul: constant non-zero input channels that stay because the consumer is a
    /// zero-padded Conv (the constant's contribution differs at the borders) or a MatMul
    /// without a bias Add to take it.
    public var keptConstantChannels: [String: Int] = [:]
    /// Per weighted layer: output channels removed.
    public var removedChannels: [String: Int] = [:]
    /// Per weighted layer: pruned (all-zero) output channels that stay, counted by reason.
    public var keptPrunedChannels: [String: [String: Int]] = [:]
    /// Values whose channels are pinned (graph inputs/outputs, barriers) and never removed.
    public var pinnedValues = 0

    public init() {}
}

/// Topology simplification after pruning: BatchNorm folding, constant propagation of dead
/// neurons into the next layer's bias, and removal of channels nothing reads.
///
/// The result computes the same function as the input up to float rounding (BN folding
/// reassociates products; folded constants are summed in double precision).
public enum Simplifier {
    public static func simplify(_ model: Model) throws -> (Model, SimplifyReport) {
        guard model.graph != nil else { throw PruneError("the model has no graph") }
        var m = model
        m.graph = try foldSignsOfConstants(initializerAliasesResolved(constantsToInitializers(m.graph!)))
        let shapes = try GraphShapes.shapes(m)
        var report = SimplifyReport()
        var state = try SimplifyState(graph: m.graph!, model: m, shapes: shapes)
        try state.foldBatchNorms(&report)
        var model2 = m
        model2.graph = state.graph
        state = try SimplifyState(graph: state.graph, model: model2, shapes: shapes)
        try state.propagateConstants(&report)
        try state.removeChannels(&report)
        var g = state.graph
        g.valueInfo.removeAll { state.changedValues.contains($0.name ?? "") }
        removeUnused(&g)
        m.graph = g
        return (m, report)
    }

    /// Constant nodes holding a tensor become initializers (unless they are graph outputs).
    static func constantsToInitializers(_ g: Graph) -> Graph {
        var g = g
        let outputs = Set(g.outputs.compactMap { $0.name })
        var keep: [Node] = []
        for n in g.nodes {
            if n.op == "Constant", (n.domain ?? "").isEmpty, n.outputs.count == 1, !outputs.contains(n.outputs[0]),
               var t = n.attribute("value")?.t {
                t.name = n.outputs[0]
                g.initializers.append(t)
            } else {
                keep.append(n)
            }
        }
        g.nodes = keep
        return g
    }

    /// Identity nodes that only rename an initializer become a copy of it under the new
    /// name: torch.onnx merges equal-valued initializers (SqueezeNet's zero biases) this
    /// way, and a layer whose bias is a node output cannot be pruned or simplified.
    public static func initializerAliasesResolved(_ g: Graph) -> Graph {
        var g = g
        var inits: [String: Tensor] = [:]
        for t in g.initializers { if let n = t.name, inits[n] == nil { inits[n] = t } }
        let outputs = Set(g.outputs.compactMap { $0.name })
        var keep: [Node] = []
        for n in g.nodes {
            if n.op == "Identity", (n.domain ?? "").isEmpty, n.inputs.count == 1, n.outputs.count == 1,
               !outputs.contains(n.outputs[0]), var t = inits[n.inputs[0]] {
                t.name = n.outputs[0]
                g.initializers.append(t)
                inits[n.outputs[0]] = t
            } else {
                keep.append(n)
            }
        }
        g.nodes = keep
        return g
    }

    /// Drops initializers nothing reads, and value_info of values that no longer exist.
    static func removeUnused(_ g: inout Graph) {
        var used = Set<String>()
        for n in g.nodes { for x in n.inputs { used.insert(x) } }
        for o in g.outputs { if let n = o.name { used.insert(n) } }
        let dropped = Set(g.initializers.compactMap { $0.name }.filter { !used.contains($0) })
        g.initializers.removeAll { dropped.contains($0.name ?? "") }
        g.inputs.removeAll { dropped.contains($0.name ?? "") }
        var produced = Set<String>()
        for n in g.nodes { for o in n.outputs { produced.insert(o) } }
        g.valueInfo.removeAll { !produced.contains($0.name ?? "") }
    }
}

/// The graph being simplified, with its channel analysis.
struct SimplifyState {
    var inits: InitializerTable
    var nodes: [Node]
    var cg: ChannelGraph
    var konst: [Float?]
    var usedNames: Set<String>
    let outputs: Set<String>
    /// Values that lost channels (their value_info shapes are stale).
    var changedValues = Set<String>()

    init(graph: Graph, model: Model, shapes: [String: [Int]]) throws {
        var m = model
        m.graph = graph
        inits = InitializerTable(graph)
        nodes = graph.nodes
        cg = ChannelGraph(model: m, shapes: shapes)
        konst = [Float?](repeating: nil, count: cg.elementCount)
        var names = Set<String>()
        for n in graph.nodes { names.formUnion(n.inputs); names.formUnion(n.outputs) }
        for t in graph.initializers { if let n = t.name { names.insert(n) } }
        usedNames = names
        outputs = Set(graph.outputs.compactMap { $0.name })
    }

    var graph: Graph {
        var g = inits.graph
        g.nodes = nodes
        return g
    }

    static func displayName(_ n: Node, _ i: Int) -> String {
        if let s = n.name, !s.isEmpty { return s }
        return "#\(i) \(n.op)"
    }

    func k(_ v: String, _ c: Int) -> Float? {
        cg.element(v, c).flatMap { konst[$0] }
    }

    mutating func setK(_ v: String, _ c: Int, _ a: Float?) {
        if let e = cg.element(v, c) { konst[e] = a }
    }

    mutating func freshName(_ base: String) -> String {
        let n = inits.fresh(base, avoiding: usedNames)
        usedNames.insert(n)
        return n
    }

    // MARK: BatchNorm folding

    /// W' = γ W / √(σ² + ε), b' = γ (b − μ) / √(σ² + ε) + β into a Conv or Gemm that only the
    /// BatchNormalization reads — unless the weights are all −1, 0 or +1 (a binary network's
    /// folded Sign weights), which folding would turn into per-channel reals.
    mutating func foldBatchNorms(_ report: inout SimplifyReport) throws {
        var producer: [String: Int] = [:]
        for (i, n) in nodes.enumerated() { for o in n.outputs where !o.isEmpty { producer[o] = i } }
        var deleted = Set<Int>()
        for (i, bn) in nodes.enumerated() where bn.op == "BatchNormalization" && (bn.domain ?? "").isEmpty {
            guard bn.inputs.count == 5, bn.outputs.count == 1 || bn.outputs.dropFirst().allSatisfy({ $0.isEmpty }),
                  bn.int("training_mode", 0) == 0 else { continue }
            let x = bn.inputs[0]
            guard let p = producer[x], !deleted.contains(p), cg.useCount[x] == 1, !outputs.contains(x) else { continue }
            let prod = nodes[p]
            guard prod.op == "Conv" || (prod.op == "Gemm" && prod.int("transA", 0) == 0), prod.inputs.count >= 2,
                  cg.useCount[prod.inputs[1]] == 1, var w = try inits.dense(prod.inputs[1]) else { continue }
            // A binary layer's ±1 weights (folded Sign) stay binary: its BatchNorm stays a node.
            if w.values.allSatisfy({ $0 == 1 || $0 == -1 || $0 == 0 }) && w.values.contains(where: { $0 != 0 }) { continue }
            let params = try bn.inputs[1...].map { try inits.dense($0) }
            guard params.allSatisfy({ $0 != nil }) else { continue }
            let (gamma, beta, mean, variance) = (params[0]!.values, params[1]!.values, params[2]!.values, params[3]!.values)
            let outAxis = prod.op == "Gemm" && prod.int("transB", 0) == 0 ? 1 : 0
            guard w.dims.count >= 2 else { continue }
            let units = w.dims[outAxis]
            guard [gamma, beta, mean, variance].allSatisfy({ $0.count == units }) else { continue }
            // Current per-unit bias (Gemm: β·C).
            let hasBias = prod.inputs.count > 2 && !prod.inputs[2].isEmpty
            var b = [Float](repeating: 0, count: units)
            if hasBias {
                guard cg.useCount[prod.inputs[2]] == 1, let c = try inits.dense(prod.inputs[2]) else { continue }
                let scale: Float = prod.op == "Gemm" ? prod.float("beta", 1) : 1
                if c.count == units { b = c.values.map { $0 * scale } } else if c.count == 1 { b = [Float](repeating: c.values[0] * scale, count: units) } else { continue }
            }
            let eps = Double(bn.float("epsilon", 1e-5))
            for u in 0..<units {
                let s = Double(gamma[u]) / (Double(variance[u]) + eps).squareRoot()
                w.scale(axis: outAxis, index: u, by: Float(s))
                b[u] = Float((Double(b[u]) - Double(mean[u])) * s + Double(beta[u]))
            }
            var node = prod
            try inits.set(node.inputs[1], w)
            let biasTensor = DenseTensor(dims: [units], values: b)
            if hasBias {
                try inits.set(node.inputs[2], biasTensor)
            } else {
                let name = freshName(node.inputs[1] + "_bias")
                try inits.add(name, biasTensor, like: inits.tensor(node.inputs[1]))
                while node.inputs.count < 3 { node.inputs.append("") }
                node.inputs[2] = name
            }
            if node.op == "Gemm" { node.setAttribute(.float("beta", 1)) }
            node.outputs[0] = bn.outputs[0]
            nodes[p] = node
            deleted.insert(i)
            report.foldedBatchNorms.append(Self.displayName(bn, i))
        }
        nodes = nodes.enumerated().filter { !deleted.contains($0.offset) }.map { $0.element }
    }
}
