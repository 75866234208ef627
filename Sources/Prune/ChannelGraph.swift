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

    // MARK: roles

    private func floatInit(_ name: String, _ inits: InitializerTable) -> Tensor? {
        guard let t = inits.tensor(name), t.dataType.isFloatingPoint else { return nil }
        return t
    }

    private func classify(_ i: Int, _ n: Node, _ inits: InitializerTable) -> NodeRole {
        guard (n.domain ?? "").isEmpty || n.domain == "ai.onnx" else { return .barrier }
        let x = n.inputs.first ?? ""
        let y = n.outputs.first ?? ""
        let cx = channels[x], cy = channels[y]
        let single: (String) -> Bool = { useCount[$0] == 1 }
        switch n.op {
        case "Conv":
            guard let cx, let cy, n.inputs.count >= 2, let w = floatInit(n.inputs[1], inits), single(n.inputs[1]),
                  w.dims.count >= 3, Int(w.dims[0]) == cy else { return .barrier }
            var bias: String?
            if n.inputs.count > 2 && !n.inputs[2].isEmpty {
                guard let b = floatInit(n.inputs[2], inits), single(n.inputs[2]), b.elementCount == cy else { return .barrier }
                bias = n.inputs[2]
            }
            let group = n.int("group", 1)
            let autoPad = n.attribute("auto_pad")?.stringValue ?? "NOTSET"
            let padded = (n.ints("pads") ?? []).contains { $0 != 0 } || autoPad.hasPrefix("SAME")
            if group == 1 && Int(w.dims[1]) == cx { return .conv(weight: n.inputs[1], bias: bias, depthwise: false, padded: padded) }
            if group == cx && cy == cx && w.dims[1] == 1 { return .conv(weight: n.inputs[1], bias: bias, depthwise: true, padded: padded) }
            if group > 1, cx % group == 0, cy % group == 0, Int(w.dims[1]) == cx / group {
                return .groupedConv(weight: n.inputs[1], bias: bias, groups: group, padded: padded)
            }
            return .barrier
        case "Gemm":
            guard let cx, let cy, shapes[x]?.count == 2, n.int("transA", 0) == 0, n.inputs.count >= 2,
                  let w = floatInit(n.inputs[1], inits), single(n.inputs[1]), w.dims.count == 2 else { return .barrier }
            let transB = n.int("transB", 0) == 1
            guard Int(w.dims[transB ? 1 : 0]) == cx, Int(w.dims[transB ? 0 : 1]) == cy else { return .barrier }
            var bias: String?
            if n.inputs.count > 2 && !n.inputs[2].isEmpty {
                guard let c = floatInit(n.inputs[2], inits), single(n.inputs[2]) else { return .barrier }
                let d = c.dims.map { Int($0) }
                let ok = c.elementCount == 1 || (d == [cy]) || (d == [1, cy])
                guard ok else { return .barrier }
                bias = n.inputs[2]
            }
            return .gemm(weight: n.inputs[1], bias: bias, transB: transB)
        case "MatMul":
            guard let cx, let cy, shapes[x]?.count == 2, let w = floatInit(n.inputs[1], inits), single(n.inputs[1]),
                  w.dims.count == 2, Int(w.dims[0]) == cx, Int(w.dims[1]) == cy else { return .barrier }
            var biasAdd: (Int, String)?
            if let cs = consumers[y], cs.count == 1, graph.nodes[cs[0]].op == "Add", useCount[y] == 1 {
                let add = graph.nodes[cs[0]]
                if let other = add.inputs.first(where: { $0 != y }), let b = floatInit(other, inits), single(other),
                   b.dims.map({ Int($0) }) == [cy] || b.dims.map({ Int($0) }) == [1, cy] {
                    biasAdd = (cs[0], other)
                }
            }
            return .matMul(weight: n.inputs[1], biasAdd: biasAdd)
        case "Relu", "LeakyRelu", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "Elu", "Identity", "Neg", "Abs", "Clip", "Dropout":
            guard let cx, cx == cy, n.outputs.dropFirst().allSatisfy({ $0.isEmpty || useCount[$0] == nil }) else { return .barrier }
            if n.op == "Clip" { guard n.inputs.dropFirst().allSatisfy({ $0.isEmpty || inits.contains($0) }) else { return .barrier } }
            if n.op == "Dropout" { guard n.inputs.dropFirst().allSatisfy({ $0.isEmpty || inits.contains($0) }) else { return .barrier } }
            return .unary
        case "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool":
            guard let cx, cx == cy, n.outputs.dropFirst().allSatisfy({ $0.isEmpty || useCount[$0] == nil }) else { return .barrier }
            let autoPad = n.attribute("auto_pad")?.stringValue ?? "NOTSET"
            let padded = (n.ints("pads") ?? []).contains { $0 != 0 } || autoPad.hasPrefix("SAME")
            return .pool(countsPadding: n.op == "AveragePool" && padded && n.int("count_include_pad", 0) == 1)
        case "BatchNormalization":
            guard let cx, cx == cy, n.inputs.count == 5, n.outputs.count == 1 || n.outputs.dropFirst().allSatisfy({ $0.isEmpty }),
                  n.int("training_mode", 0) == 0 else { return .barrier }
            for p in n.inputs[1...] {
                guard let t = floatInit(p, inits), single(p), t.elementCount == cx else { return .barrier }
            }
            return .batchNorm(scale: n.inputs[1], bias: n.inputs[2], mean: n.inputs[3], variance: n.inputs[4],
                              epsilon: n.float("epsilon", 1e-5))
        case "Add", "Sub", "Mul", "Div":
            guard let cy, let ry = shapes[y]?.count, n.inputs.count == 2 else { return .barrier }
            var ops: [NodeRole.Operand] = []
            for inp in n.inputs {
                if let t = floatInit(inp, inits) {
                    let d = t.dims.map { Int($0) }
                    guard d.count <= ry else { return .barrier }
                    let pd = [Int](repeating: 1, count: ry - d.count) + d
                    let uniform = pd.enumerated().allSatisfy { $0.offset == 1 || $0.element == 1 }
                    if pd[1] == 1 {
                        ops.append(.broadcast(inp, uniform: uniform))
                    } else if pd[1] == cy, d.count >= ry - 1, single(inp) {
                        ops.append(.perChannel(inp, axis: 1 - (ry - d.count), uniform: uniform))
                    } else {
                        return .barrier
                    }
                } else {
                    guard channels[inp] == cy, shapes[inp]?.count == ry else { return .barrier }
                    ops.append(.value(inp))
                }
            }
            return .binary(ops)
        case "Concat":
            guard let cy, let r = shapes[y]?.count else { return .barrier }
            let axis = n.int("axis", 0)
            guard axis == 1 || axis == 1 - r, n.inputs.allSatisfy({ channels[$0] != nil }),
                  n.inputs.reduce(0, { $0 + channels[$1]! }) == cy else { return .barrier }
            return .concat
        case "Flatten":
            guard cx != nil, cy != nil, n.int("axis", 1) == 1, shapes[y]?.count == 2 else { return .barrier }
            return .flatten
        case "Reshape":
            guard let sx = shapes[x], let sy = shapes[y], sx.count >= 3, sy.count == 2, sy[0] == sx[0],
                  sy[1] == sx[1...].reduce(1, *), n.inputs.count >= 2, let s = inits.tensor(n.inputs[1]),
                  let v = try? s.int64Values(), v.count == 2 else { return .barrier }
            return .reshapeFlatten(shape: n.inputs[1])
        case "Split":
            guard let cx, let r = shapes[x]?.count else { return .barrier }
            let axis = n.int("axis", 0)
            guard axis == 1 || axis == 1 - r, n.outputs.allSatisfy({ channels[$0] != nil }),
                  n.outputs.reduce(0, { $0 + channels[$1]! }) == cx else { return .barrier }
            if n.inputs.count > 1 && !n.inputs[1].isEmpty && !inits.contains(n.inputs[1]) { return .barrier }
            return .split
        default:
            return .barrier
        }
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
