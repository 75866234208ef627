import Foundation
import ONNXIO

#if canImport(Glibc)
import Glibc
#endif

/// One kernel call of an execution plan: an original node, or several fused into one.
struct Step {
    /// What the kernel sees (a copy of the first fused node, inputs rewritten).
    let node: Node
    let kernel: Kernel
    /// Index of the original node (observer, error messages).
    let origin: Int
    let name: String
    /// Input positions whose values the kernel may cache derived data of (folded
    /// weights) when they are unmodified initializers.
    let cacheable: [Int]
    let cache: FoldCache?
}

/// Node order, fusions and folded constants for runs.
struct Plan {
    var steps: [Step] = []
    /// Values computed once at session creation (constant subgraphs).
    var constants: [String: NDArray] = [:]
    /// Producing step of each value.
    var producer: [String: Int] = [:]
    /// Names whose override (or request, for `hidden`) makes this plan invalid: inputs and
    /// outputs of folded nodes, and intermediates a fusion removed.
    var sensitive: Set<String> = []
    var hidden: Set<String> = []

    init(steps: [Step]) {
        self.steps = steps
        for (i, s) in steps.enumerated() {
            for o in s.node.outputs where !o.isEmpty { producer[o] = i }
        }
    }
    init() {}
}

/// Derived weights computed once from the initializers: BatchNorm folded into a Conv
/// (`get`), and the kernel's own form of the (folded) weights (`prepared`: Winograd's
/// transformed filters).
final class FoldCache: @unchecked Sendable {
    private let lock = NSLock()
    private var value: ([Float], [Float])?
    private var preparedValue: [Float]?
    func get(_ make: () throws -> ([Float], [Float])) rethrows -> ([Float], [Float]) {
        lock.lock(); defer { lock.unlock() }
        if let value { return value }
        let v = try make()
        value = v
        return v
    }
    func prepared(_ make: () -> [Float]) -> [Float] {
        lock.lock(); defer { lock.unlock() }
        if let preparedValue { return preparedValue }
        let v = make()
        preparedValue = v
        return v
    }
}

extension Session {
    /// The optimised plan: constant subgraphs folded, Conv → [BatchNormalization] →
    /// [Add] → [activation] chains whose intermediates have no other consumer fused into one
    /// GEMM with an epilogue (BatchNorm folded into the weights).
    static func optimisedPlan(nodes: [Node], kernels: [Kernel], initializers: [String: NDArray],
                              graphInputs: Set<String>, graphOutputs: Set<String>, opset: Int,
                              options: Options) -> Plan {
        var plan = Plan()
        // 1. Constant folding.
        let folded = foldConstants(nodes: nodes, kernels: kernels, initializers: initializers, graphInputs: graphInputs,
                                   opset: opset, options: options, into: &plan)
        // 2. Fusion chains.
        var match = ChainMatcher(nodes: nodes, skipping: folded, graphOutputs: graphOutputs)
        var chainEnd: [Int: Step] = [:]   // last node of a chain → fused step
        let prologues = match.prologues(skipping: folded)
        for (i, n) in nodes.enumerated() where !folded.contains(i) && n.opType == "Conv" && ChainMatcher.isDefault(n) {
            guard n.outputs.count == 1, n.inputs.count >= 2, !n.inputs[0].isEmpty, !n.inputs[1].isEmpty else { continue }
            var chain = [i]
            var cur = n.outputs[0]
            var bn: Node? = nil, residual = ""
            if let j = match.soleConsumer(cur, after: i), nodes[j].opType == "BatchNormalization",
               nodes[j].inputs.count == 5, nodes[j].inputs[0] == cur, !nodes[j].inputs.contains(""),
               nodes[j].outputs.filter({ !$0.isEmpty }).count == 1, !nodes[j].outputs[0].isEmpty,
               (nodes[j].attribute("training_mode")?.i ?? 0) == 0 {
                bn = nodes[j]; chain.append(j); cur = nodes[j].outputs[0]
            }
            if let j = match.soleConsumer(cur, after: chain.last!), nodes[j].opType == "Add",
               nodes[j].inputs.count == 2, nodes[j].outputs.count == 1, nodes[j].inputs[0] != nodes[j].inputs[1] {
                residual = nodes[j].inputs[0] == cur ? nodes[j].inputs[1] : nodes[j].inputs[0]
                if !residual.isEmpty { chain.append(j); cur = nodes[j].outputs[0] } else { residual = "" }
            }
            var act = FusedActivation.fixed(.identity), bounds = ["", ""]
            if let a = match.activation(of: cur, after: chain.last!, opset: opset) {
                act = a.act; chain += a.nodes; cur = a.output
                if !a.bounds.isEmpty { bounds = a.bounds }
            }
            let pro = prologues[i].flatMap { p in p.nodes.contains(where: match.inChain.contains) ? nil : p }
            guard chain.count > 1 || pro != nil else { continue }
            let b = n.inputs.count > 2 ? n.inputs[2] : ""
            var inputs = [n.inputs[0], n.inputs[1], b] + (bn.map { Array($0.inputs[1...4]) } ?? ["", "", "", ""]) + [residual] + bounds
            if let pro { inputs[0] = pro.parts[0]; inputs += pro.batchNorm + pro.parts.dropFirst() }
            var fused = Node(opType: "Conv", inputs: inputs, outputs: [cur], name: n.name)
            fused.domain = n.domain
            fused.attributes = n.attributes
            let eps = bn?.attribute("epsilon")?.f ?? 1e-5
            let hasBN = bn != nil, fusedAct = act, preEpsilon = pro?.epsilon
            let kernel: Kernel = { ctx in try fusedConv(ctx, batchNorm: hasBN, epsilon: eps, activation: fusedAct, prologue: preEpsilon) }
            chainEnd[chain.last!] = Step(node: fused, kernel: kernel, origin: i, name: displayName(n, i),
                                         cacheable: hasBN ? [1, 2, 3, 4, 5, 6] : [1], cache: FoldCache())
            chain = (pro?.nodes ?? []) + chain
            for c in chain { match.inChain.insert(c) }
            for c in chain.dropLast() { for o in nodes[c].outputs where !o.isEmpty { plan.hidden.insert(o) } }
        }
        // BatchNormalization → activation (pre-activation blocks): one pass.
        for (i, n) in nodes.enumerated() where !folded.contains(i) && !match.inChain.contains(i)
            && n.opType == "BatchNormalization" && ChainMatcher.isDefault(n) {
            guard n.outputs.count == 1, !n.outputs[0].isEmpty, n.inputs.count == 5, !n.inputs.contains(""),
                  let a = match.activation(of: n.outputs[0], after: i, opset: opset) else { continue }
            var fused = n
            fused.inputs = n.inputs + ["", "", ""] + (a.bounds.isEmpty ? ["", ""] : a.bounds)
            fused.outputs = [a.output]
            let act = a.act
            chainEnd[a.nodes.last!] = Step(node: fused, kernel: { ctx in try batchNormalization(ctx, activation: act.resolve(ctx)) },
                                           origin: i, name: displayName(n, i), cacheable: [], cache: nil)
            let chain = [i] + a.nodes
            for c in chain { match.inChain.insert(c) }
            for c in chain.dropLast() { for o in nodes[c].outputs where !o.isEmpty { plan.hidden.insert(o) } }
        }
        let inChain = match.inChain
        var steps: [Step] = []
        for (i, n) in nodes.enumerated() where !folded.contains(i) {
            if let s = chainEnd[i] { steps.append(s); continue }
            if inChain.contains(i) { continue }
            let conv = n.opType == "Conv" && ChainMatcher.isDefault(n)   // caches Winograd's filters
            steps.append(Step(node: n, kernel: kernels[i], origin: i, name: displayName(n, i),
                              cacheable: conv ? [1] : [], cache: conv ? FoldCache() : nil))
        }
        let constants = plan.constants, sensitive = plan.sensitive, hidden = plan.hidden
        plan = Plan(steps: steps)
        plan.constants = constants
        plan.sensitive = sensitive.union(hidden)
        plan.hidden = hidden
        return plan
    }

    /// Evaluates the nodes whose inputs are all initializers or folded values (random
    /// generators excepted) into `plan.constants`; returns their indices.
    static func foldConstants(nodes: [Node], kernels: [Kernel], initializers: [String: NDArray], graphInputs: Set<String>,
                              opset: Int, options: Options, into plan: inout Plan) -> Set<Int> {
        var folded = Set<Int>()
        for (i, n) in nodes.enumerated() {
            let op = n.opType ?? ""
            guard !["RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial"].contains(op) else { continue }
            let ins = n.inputs.filter { !$0.isEmpty }
            guard ins.allSatisfy({ (initializers[$0] != nil && !graphInputs.contains($0)) || plan.constants[$0] != nil }),
                  n.outputs.contains(where: { !$0.isEmpty }) else { continue }
            let args: [NDArray?] = n.inputs.map { $0.isEmpty ? nil : (plan.constants[$0] ?? initializers[$0]) }
            let ctx = NodeContext(node: n, name: displayName(n, i), op: op, inputs: args, opset: opset, options: options)
            guard let results = try? kernels[i](ctx),
                  results.reduce(0, { $0 + $1.count }) <= 1 << 24 else { continue }
            folded.insert(i)
            for (j, o) in n.outputs.enumerated() where !o.isEmpty && j < results.count {
                plan.constants[o] = results[j]
                plan.sensitive.insert(o)
            }
            for x in ins { plan.sensitive.insert(x) }
        }
        return folded
    }
}
