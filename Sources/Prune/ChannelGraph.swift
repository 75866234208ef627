import ONNXIO

/// How the simplifier treats one node.
enum NodeRole {
    /// Starts a new channel space; `depthwise` ties input channel j to output j.
    case conv(weight: String, bias: String?, depthwise: Bool, padded: Bool)
    /// A Conv of `groups` > 1 groups that is not depthwise (ResNeXt, RegNet): a new channel
    /// space whose input and output channels are removed in equal numbers per group.
    case groupedConv(weight: String, bias: String?, groups: Int, padded: Bool)
    case gemm(weight: String, bias: String?, transB: Bool)
    /// `biasAdd`: the Add node that alone consumes the MatMul, with its bias initializer.
    case matMul(weight: String, biasAdd: (node: Int, bias: String)?)
    /// Elementwise on one input (Relu, Clip, Sigmoid, ...).
    case unary
    /// MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool; `countsPadding`: an
    /// AveragePool whose border windows average in padding zeros.
    case pool(countsPadding: Bool)
    case batchNorm(scale: String, bias: String, mean: String, variance: String, epsilon: Float)
    /// Add/Sub/Mul/Div; one entry per input.
    case binary([Operand])
    case concat
    case flatten
    /// A Reshape that flattens [N, C, ...] to [N, C·...]; `shape` is its shape initializer.
    case reshapeFlatten(shape: String)
    case split
    /// Anything else: every channel it touches is pinned.
    case barrier

    enum Operand {
        /// A graph value with the same channel count as the output.
        case value(String)
        /// An initializer with one entry per channel along `axis` of its own dims.
        case perChannel(String, axis: Int, uniform: Bool)
        /// An initializer broadcast over the channels; `uniform`: a single value.
        case broadcast(String, uniform: Bool)
    }
}

/// Channels of every value as union-find elements: ops that keep channels (Relu, BN,
/// pooling, same-shape Add, Concat offsets, Flatten column blocks, depthwise Conv) join
/// their elements; Conv, Gemm and MatMul start new ones; graph inputs, outputs and
/// anything the passes do not understand are pinned and never removed.
struct ChannelGraph {
    let graph: Graph
    let shapes: [String: [Int]]
    private(set) var roles: [NodeRole] = []
    private(set) var base: [String: Int] = [:]
    private(set) var channels: [String: Int] = [:]
    private var parent: [Int] = []
    private var pinnedElement: [Bool] = []
    private var pinReason: [Int: String] = [:]
    let useCount: [String: Int]
    let consumers: [String: [Int]]
    let opset: Int
    /// Pin reasons for the values around a channel shuffle (ShuffleNet).
    private let shuffleReasons: [String: String]

    init(model: Model, shapes: [String: [Int]]) {
        let g = model.graph!
        graph = g
        self.shapes = shapes
        opset = Int(model.defaultOpsetVersion ?? 21)
        var uses: [String: Int] = [:]
        var cons: [String: [Int]] = [:]
        for (i, n) in g.nodes.enumerated() {
            for x in n.inputs where !x.isEmpty { uses[x, default: 0] += 1; cons[x, default: []].append(i) }
        }
        for o in g.outputs { if let n = o.name { uses[n, default: 0] += 1 } }
        useCount = uses
        consumers = cons
        let inits = InitializerTable(g)
        // Elements for every non-initializer value of rank >= 2.
        var next = 0
        var names = Set<String>()
        for vi in g.inputs { if let n = vi.name { names.insert(n) } }
        for n in g.nodes { for o in n.outputs where !o.isEmpty { names.insert(o) } }
        for name in names.sorted() where !inits.contains(name) {
            guard let s = shapes[name], s.count >= 2 else { continue }
            base[name] = next
            channels[name] = s[1]
            next += s[1]
        }
        parent = Array(0..<next)
        shuffleReasons = ChannelShuffle.reasons(in: g, shapes: shapes)
        pinnedElement = [Bool](repeating: false, count: next)
        for (i, n) in g.nodes.enumerated() {
            let role = classify(i, n, inits)
            roles.append(role)
            link(n, role)
        }
        for vi in g.inputs { if let n = vi.name { pin(n, "graph input '\(n)'") } }
        for vi in g.outputs { if let n = vi.name { pin(n, "graph output '\(n)'") } }
    }

    // MARK: union-find

    mutating func find(_ x: Int) -> Int {
        var r = x
        while parent[r] != r { r = parent[r] }
        var y = x
        while parent[y] != r { let p = parent[y]; parent[y] = r; y = p }
        return r
    }

    mutating func union(_ a: Int, _ b: Int) {
        let ra = find(a), rb = find(b)
        if ra != rb { parent[rb] = ra }
    }

    func element(_ v: String, _ c: Int) -> Int? {
        guard let b = base[v], c < channels[v]! else { return nil }
        return b + c
    }

    var elementCount: Int { parent.count }

    mutating func pin(_ v: String, _ reason: String) {
        guard let b = base[v], let n = channels[v] else { return }
        for c in 0..<n where !pinnedElement[b + c] {
            pinnedElement[b + c] = true
            pinReason[b + c] = reason
        }
    }

    /// Why each pinned class root is pinned (the first reason met).
    mutating func pinReasons() -> [Int: String] {
        var r: [Int: String] = [:]
        for (e, why) in pinReason.sorted(by: { $0.key < $1.key }) where r[find(e)] == nil { r[find(e)] = why }
        return r
    }

    /// Pinned flag per class root.
    mutating func pinnedRoots() -> [Bool] {
        var r = [Bool](repeating: false, count: parent.count)
        for e in 0..<parent.count where pinnedElement[e] { r[find(e)] = true }
        return r
    }

    private mutating func link(_ n: Node, _ role: NodeRole) {
        let x = n.inputs.first ?? ""
        let y = n.outputs.first ?? ""
        switch role {
        case .conv(_, _, let depthwise, _):
            if depthwise { for c in 0..<channels[y]! { union(element(x, c)!, element(y, c)!) } }
        case .gemm, .matMul, .groupedConv:
            break
        case .unary, .pool, .batchNorm:
            for c in 0..<channels[y]! { union(element(x, c)!, element(y, c)!) }
        case .binary(let ops):
            for op in ops {
                if case .value(let v) = op { for c in 0..<channels[y]! { union(element(v, c)!, element(y, c)!) } }
            }
        case .concat:
            var off = 0
            for v in n.inputs {
                for c in 0..<channels[v]! { union(element(v, c)!, element(y, off + c)!) }
                off += channels[v]!
            }
        case .flatten, .reshapeFlatten:
            let hw = channels[y]! / max(channels[x]!, 1)
            for c in 0..<channels[x]! { for i in 0..<hw { union(element(x, c)!, element(y, c * hw + i)!) } }
        case .split:
            var off = 0
            for v in n.outputs {
                for c in 0..<channels[v]! { union(element(x, off + c)!, element(v, c)!) }
                off += channels[v]!
            }
        case .barrier:
            let values = n.inputs + n.outputs
            let reasons = shuffleReasons
            let why = values.compactMap { reasons[$0] }.first
                ?? "\(n.op) node '\(n.name ?? n.outputs.first ?? "?")', which the simplifier does not see through"
            for v in values { pin(v, why) }
        }
    }
}
