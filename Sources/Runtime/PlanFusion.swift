import ONNXIO

#if canImport(Glibc)
import Glibc
#endif

/// The activation ending a fused chain: fixed at plan time, or a Clip whose bounds are
/// inputs of the fused node (read per run, since they may be overridden).
enum FusedActivation: Sendable {
    case fixed(Activation)
    /// Clip; bounds from fused inputs 8 and 9 when present, else these attribute values.
    case clip(lo: Float, hi: Float)

    func resolve(_ ctx: NodeContext) -> Activation {
        switch self {
        case .fixed(let a): return a
        case .clip(var lo, var hi):
            if let m = ctx.optionalInput(8), let v = m.floats.first { lo = v }
            if let m = ctx.optionalInput(9), let v = m.floats.first { hi = v }
            return .clip(lo: lo, hi: hi)
        }
    }
}

/// Finds fusable chains over the nodes a plan runs: who consumes each value, which nodes
/// are already part of a chain.
struct ChainMatcher {
    let nodes: [Node]
    let graphOutputs: Set<String>
    var consumers: [String: [Int]] = [:]
    var inChain = Set<Int>()

    init(nodes: [Node], skipping folded: Set<Int>, graphOutputs: Set<String>) {
        self.nodes = nodes
        self.graphOutputs = graphOutputs
        for (i, n) in nodes.enumerated() where !folded.contains(i) {
            for x in n.inputs where !x.isEmpty { consumers[x, default: []].append(i) }
        }
    }

    static func isDefault(_ n: Node) -> Bool { (n.domain ?? "").isEmpty || n.domain == "ai.onnx" }

    /// The one node after `after` that reads `v` (not a graph output), if there is one.
    func soleConsumer(_ v: String, after: Int) -> Int? {
        guard !graphOutputs.contains(v), let c = consumers[v], c.count == 1, !inChain.contains(c[0]),
              c[0] > after, Self.isDefault(nodes[c[0]]) else { return nil }
        return c[0]
    }

    /// An activation applied to `v` (the only use of `v`): Relu, Clip, Sigmoid,
    /// HardSigmoid, HardSwish, LeakyRelu, or SiLU written as `Mul(v, Sigmoid(v))`.
    /// Returns the nodes it spans (last one last), the activation, Clip's bound inputs and
    /// the activation's output.
    func activation(of v: String, after: Int, opset: Int) -> (nodes: [Int], act: FusedActivation, bounds: [String], output: String)? {
        if let silu = silu(of: v, after: after) { return silu }
        guard let j = soleConsumer(v, after: after) else { return nil }
        let n = nodes[j]
        guard n.inputs.first == v, n.outputs.count == 1, !n.outputs[0].isEmpty else { return nil }
        func attr(_ name: String, _ def: Float) -> Float { n.attribute(name)?.f ?? def }
        let act: FusedActivation
        var bounds: [String] = []
        switch n.opType {
        case "Relu": act = .fixed(.relu)
        case "Sigmoid": act = .fixed(.sigmoid)
        case "HardSwish": act = .fixed(.hardSwish)
        case "HardSigmoid": act = .fixed(.hardSigmoid(alpha: attr("alpha", 0.2), beta: attr("beta", 0.5)))
        case "LeakyRelu": act = .fixed(.leakyRelu(alpha: attr("alpha", 0.01)))
        case "Clip":
            let useAttrs = opset < 11 || n.attribute("min") != nil || n.attribute("max") != nil
            act = .clip(lo: useAttrs ? attr("min", -.infinity) : -.infinity, hi: useAttrs ? attr("max", .infinity) : .infinity)
            bounds = [n.inputs.count > 1 ? n.inputs[1] : "", n.inputs.count > 2 ? n.inputs[2] : ""]
        default: return nil
        }
        return ([j], act, bounds, n.outputs[0])
    }

    private func silu(of v: String, after: Int) -> (nodes: [Int], act: FusedActivation, bounds: [String], output: String)? {
        guard !graphOutputs.contains(v), let c = consumers[v], c.count == 2,
              c.allSatisfy({ $0 > after && !inChain.contains($0) && Self.isDefault(nodes[$0]) }) else { return nil }
        let (s, m) = nodes[c[0]].opType == "Sigmoid" ? (c[0], c[1]) : (c[1], c[0])
        let sig = nodes[s], mul = nodes[m]
        guard sig.opType == "Sigmoid", mul.opType == "Mul", sig.inputs == [v], sig.outputs.count == 1,
              mul.outputs.count == 1, !mul.outputs[0].isEmpty,
              Set(mul.inputs) == [v, sig.outputs[0]], mul.inputs.count == 2,
              soleConsumer(sig.outputs[0], after: s) == m else { return nil }
        return ([s, m], .fixed(.silu), [], mul.outputs[0])
    }
}

/// Conv → [BatchNormalization] → [Add residual] → [activation] as one kernel. Inputs: X,
/// W, B, BN scale, bias, mean, var (or ""), residual (or ""), Clip min, max (or ""); with a
/// `prologue` (its BatchNormalization's epsilon) the inputs of `ConvPrologue` follow.
func fusedConv(_ ctx: NodeContext, batchNorm: Bool, epsilon: Float, activation: FusedActivation,
               prologue: Float? = nil) throws -> [NDArray] {
    let pro = try prologue.map { try ConvPrologue(ctx, epsilon: $0) }
    var w = try ctx.floats(1)
    var b = ctx.optionalInput(2)?.floats
    let act = activation.resolve(ctx)
    if batchNorm {
        let M = try ctx.input(1).shape.first ?? 0
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
    func conv(_ residual: [Float]?, _ act: Activation) throws -> NDArray {
        if let pro { return try runConv(ctx, prologue: pro, weights: w, bias: b, residual: residual, activation: act) }
        return try runConv(ctx, weights: w, bias: b, residual: residual, activation: act)
    }
    guard let r = ctx.optionalInput(7) else { return [try conv(nil, act)] }
    let (_, shape) = try convShape(ctx, xShape: pro?.shape ?? ctx.input(0).shape, try ctx.input(1))
    if case .float(let rv) = r.storage, r.shape == shape { return [try conv(rv, act)] }
    // Broadcast residual: plain Add (and the activation) after the convolution.
    let y = try conv(nil, .identity)
    guard case .float(let rv) = r.storage, let (added, s) = broadcastMap(y.floats, y.shape, rv, r.shape, +) else {
        throw ctx.fail("cannot add \(r.elementType) \(r.shape) to the convolution output \(shape)")
    }
    var sum = added
    sum.withUnsafeMutableBufferPointer { p in if let a = p.baseAddress { act.apply(a, count: p.count, native: ctx.options.nativeKernels) } }
    return [NDArray(shape: s, floats: sum)]
}
