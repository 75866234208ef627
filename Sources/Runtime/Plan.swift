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

/// Derived weights (BatchNorm folded into a Conv) computed once from the initializers.
final class FoldCache: @unchecked Sendable {
    private let lock = NSLock()
    private var value: ([Float], [Float])?
    func get(_ make: () throws -> ([Float], [Float])) rethrows -> ([Float], [Float]) {
        lock.lock(); defer { lock.unlock() }
        if let value { return value }
        let v = try make()
        value = v
        return v
    }
}

extension Session {
    /// The optimised plan: constant subgraphs folded, Conv → [BatchNormalization] →
    /// [Add] → [Relu] chains whose intermediates have no other consumer fused into one
    /// GEMM with an epilogue (BatchNorm folded into the weights).
    static func optimisedPlan(nodes: [Node], kernels: [Kernel], initializers: [String: NDArray],
                              graphInputs: Set<String>, graphOutputs: Set<String>, opset: Int,
                              options: Options) -> Plan {
        var plan = Plan()
        // 1. Constant folding (nodes whose inputs are all initializers or folded values).
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
        // 2. Fusion chains.
        var consumers: [String: [Int]] = [:]
        for (i, n) in nodes.enumerated() where !folded.contains(i) {
            for x in n.inputs where !x.isEmpty { consumers[x, default: []].append(i) }
        }
        var inChain = Set<Int>()
        func soleConsumer(_ v: String) -> Int? {
            guard !graphOutputs.contains(v), let c = consumers[v], c.count == 1, !inChain.contains(c[0]) else { return nil }
            return c[0]
        }
        func isDefault(_ n: Node) -> Bool { (n.domain ?? "").isEmpty || n.domain == "ai.onnx" }
        var chainEnd: [Int: Step] = [:]   // last node of a chain → fused step
        for (i, n) in nodes.enumerated() where !folded.contains(i) && n.opType == "Conv" && isDefault(n) {
            guard n.outputs.count == 1, n.inputs.count >= 2, !n.inputs[0].isEmpty, !n.inputs[1].isEmpty else { continue }
            var chain = [i]
            var cur = n.outputs[0]
            var bn: Node? = nil, residual = "", relu = false
            if let j = soleConsumer(cur), j > i, nodes[j].opType == "BatchNormalization", isDefault(nodes[j]),
               nodes[j].inputs.count == 5, nodes[j].inputs[0] == cur, !nodes[j].inputs.contains(""),
               nodes[j].outputs.filter({ !$0.isEmpty }).count == 1, !nodes[j].outputs[0].isEmpty,
               (nodes[j].attribute("training_mode")?.i ?? 0) == 0 {
                bn = nodes[j]; chain.append(j); cur = nodes[j].outputs[0]
            }
            if let j = soleConsumer(cur), j > chain.last!, nodes[j].opType == "Add", isDefault(nodes[j]),
               nodes[j].inputs.count == 2, nodes[j].outputs.count == 1, nodes[j].inputs[0] != nodes[j].inputs[1] {
                residual = nodes[j].inputs[0] == cur ? nodes[j].inputs[1] : nodes[j].inputs[0]
                if !residual.isEmpty { chain.append(j); cur = nodes[j].outputs[0] } else { residual = "" }
            }
            if let j = soleConsumer(cur), j > chain.last!, nodes[j].opType == "Relu", isDefault(nodes[j]),
               nodes[j].inputs.count == 1, nodes[j].outputs.count == 1 {
                relu = true; chain.append(j); cur = nodes[j].outputs[0]
            }
            guard chain.count > 1 else { continue }
            let b = n.inputs.count > 2 ? n.inputs[2] : ""
            var fused = Node(opType: "Conv", inputs: [n.inputs[0], n.inputs[1], b] + (bn.map { Array($0.inputs[1...4]) } ?? ["", "", "", ""]) + [residual],
                             outputs: [cur], name: n.name)
            fused.domain = n.domain
            fused.attributes = n.attributes
            let eps = bn?.attribute("epsilon")?.f ?? 1e-5
            let hasBN = bn != nil, fuseRelu = relu
            let kernel: Kernel = { ctx in try fusedConv(ctx, batchNorm: hasBN, epsilon: eps, relu: fuseRelu) }
            chainEnd[chain.last!] = Step(node: fused, kernel: kernel, origin: i, name: displayName(n, i),
                                         cacheable: hasBN ? [1, 2, 3, 4, 5, 6] : [], cache: hasBN ? FoldCache() : nil)
            for c in chain { inChain.insert(c) }
            for c in chain.dropLast() { for o in nodes[c].outputs where !o.isEmpty { plan.hidden.insert(o) } }
        }
        var steps: [Step] = []
        for (i, n) in nodes.enumerated() where !folded.contains(i) {
            if let s = chainEnd[i] { steps.append(s); continue }
            if inChain.contains(i) { continue }
            steps.append(Step(node: n, kernel: kernels[i], origin: i, name: displayName(n, i), cacheable: [], cache: nil))
        }
        let constants = plan.constants, sensitive = plan.sensitive, hidden = plan.hidden
        plan = Plan(steps: steps)
        plan.constants = constants
        plan.sensitive = sensitive.union(hidden)
        plan.hidden = hidden
        return plan
    }
}

/// Conv → [BatchNormalization] → [Add residual] → [Relu] as one kernel. Inputs: X, W, B,
/// BN scale, bias, mean, var (or ""), residual (or "").
private func fusedConv(_ ctx: NodeContext, batchNorm: Bool, epsilon: Float, relu: Bool) throws -> [NDArray] {
    var w = try ctx.floats(1)
    var b = ctx.optionalInput(2)?.floats
    if batchNorm {
        let wt = try ctx.input(1)
        let M = wt.shape.first ?? 0
        let make = { () throws -> ([Float], [Float]) in
            let scale = try ctx.floats(3), beta = try ctx.floats(4), mean = try ctx.floats(5), variance = try ctx.floats(6)
            guard scale.count == M, beta.count == M, mean.count == M, variance.count == M else {
                throw ctx.fail("BatchNormalization parameters must have \(M) values")
            }
            if let b, b.count != M { throw ctx.fail("B has \(b.count) values for \(M) output channels") }
            let per = M > 0 ? w.count / M : 0
            var fw = w, fb = [Float](repeating: 0, count: M)
            for m in 0..<M {
                let a = scale[m] / sqrtf(variance[m] + epsilon)
                for j in 0..<per { fw[m * per + j] *= a }
                fb[m] = ((b?[m] ?? 0) - mean[m]) * a + beta[m]
            }
            return (fw, fb)
        }
        let (fw, fb) = try ctx.cache.map { try $0.get(make) } ?? make()
        w = fw; b = fb
    }
    let out: NDArray
    if let r = ctx.optionalInput(7) {
        let x = try ctx.input(0), wt = try ctx.input(1)
        let (_, shape) = try convShape(ctx, x, wt)
        if case .float(let rv) = r.storage, r.shape == shape {
            out = try runConv(ctx, weights: w, bias: b, residual: rv, relu: relu)
        } else {
            // Broadcast residual: plain Add (and Relu) after the convolution.
            let y = try runConv(ctx, weights: w, bias: b, residual: nil, relu: false)
            guard case .float(let rv) = r.storage, let (sum, s) = broadcastMap(y.floats, y.shape, rv, r.shape, +) else {
                throw ctx.fail("cannot add \(r.elementType) \(r.shape) to the convolution output \(shape)")
            }
            return [NDArray(shape: s, floats: relu ? mapFloats(sum) { $0 > 0 ? $0 : 0 } : sum)]
        }
    } else {
        out = try runConv(ctx, weights: w, bias: b, residual: nil, relu: relu)
    }
    return [out]
}
