import ONNXIO

/// A Conv, Gemm or MatMul whose weight is an initializer: the unit pruning scores and the
/// per-layer tables report.
///
/// A neuron is one index of `outputAxis` of the weight (a Conv output channel, a Gemm or
/// MatMul output unit) together with its bias entry.
public struct WeightedLayer: Sendable, Equatable {
    /// Index of the node in `graph.nodes`.
    public var node: Int
    /// Display name: the weight's name without a trailing ".weight".
    public var name: String
    public var op: String
    public var weight: String
    /// Per-neuron bias: Conv `B`, Gemm `C` of one entry per unit, or the initializer of the
    /// `Add` that alone consumes a MatMul.
    public var bias: String?
    public var outputAxis: Int
    public var inputAxis: Int
    /// The value the neurons are channels of (the node's output).
    public var output: String

    /// The weighted layers of `graph` in node order.
    public static func find(in graph: Graph) -> [WeightedLayer] {
        let inits = InitializerTable(graph)
        var consumers: [String: [Int]] = [:]
        for (i, n) in graph.nodes.enumerated() { for x in n.inputs where !x.isEmpty { consumers[x, default: []].append(i) } }
        func floatInit(_ name: String) -> Tensor? {
            guard let t = inits.tensor(name), t.dataType.isFloatingPoint else { return nil }
            return t
        }
        var layers: [WeightedLayer] = []
        for (i, n) in graph.nodes.enumerated() where (n.domain ?? "").isEmpty || n.domain == "ai.onnx" {
            guard n.inputs.count >= 2, let out = n.outputs.first else { continue }
            var weightName = n.inputs[1]
            var transposed = false
            if floatInit(weightName) == nil, n.op == "MatMul",
               let p = graph.nodes.first(where: { $0.outputs.first == weightName && $0.op == "Transpose" }),
               let src = p.inputs.first, let t = floatInit(src), t.dims.count == 2, (p.ints("perm") ?? [1, 0]) == [1, 0] {
                weightName = src
                transposed = true
            }
            guard let w = floatInit(weightName) else { continue }
            var layer = WeightedLayer(node: i, name: Self.displayName(weightName, n), op: n.op, weight: weightName,
                                      bias: nil, outputAxis: 0, inputAxis: 1, output: out)
            switch n.op {
            case "Conv":
                guard w.dims.count >= 3 else { continue }
                if n.inputs.count > 2, let b = floatInit(n.inputs[2]), b.elementCount == Int(w.dims[0]) { layer.bias = n.inputs[2] }
            case "Gemm":
                guard w.dims.count == 2, n.int("transA", 0) == 0 else { continue }
                let transB = n.int("transB", 0) == 1
                layer.outputAxis = transB ? 0 : 1
                layer.inputAxis = transB ? 1 : 0
                let units = Int(w.dims[layer.outputAxis])
                if n.inputs.count > 2, let c = floatInit(n.inputs[2]), c.elementCount == units, units > 1 || c.dims.count <= 1 {
                    layer.bias = n.inputs[2]
                }
            case "MatMul":
                guard w.dims.count == 2 else { continue }
                layer.outputAxis = transposed ? 0 : 1
                layer.inputAxis = transposed ? 1 : 0
                let units = Int(w.dims[layer.outputAxis])
                if let cs = consumers[out], cs.count == 1, graph.nodes[cs[0]].op == "Add" {
                    let add = graph.nodes[cs[0]]
                    if let other = add.inputs.first(where: { $0 != out }), let b = floatInit(other), b.elementCount == units,
                       (consumers[other]?.count ?? 0) == 1 {
                        layer.bias = other
                    }
                }
            default:
                continue
            }
            layers.append(layer)
        }
        return layers
    }

    static func displayName(_ weight: String, _ n: Node) -> String {
        if weight.hasSuffix(".weight") { return String(weight.dropLast(7)) }
        if let s = n.name, !s.isEmpty { return s }
        return weight
    }
}

/// Parameter and neuron counts of one weighted layer.
public struct LayerStats: Sendable, Codable, Equatable {
    public var name: String
    public var op: String
    public var weightShape: [Int]
    /// Weight plus bias elements.
    public var parameters: Int
    /// Of those, how many are non-zero.
    public var nonzero: Int
    /// Neurons (output channels or units).
    public var neurons: Int
    /// Neurons with at least one non-zero parameter.
    public var liveNeurons: Int
}

extension WeightedLayer {
    /// Counts of every weighted layer of `model`.
    public static func stats(_ model: Model) throws -> [LayerStats] {
        guard let g = model.graph else { return [] }
        let inits = InitializerTable(g)
        return try find(in: g).map { l in
            let w = try inits.dense(l.weight)!
            let b = try l.bias.flatMap { try inits.dense($0) }
            let n = w.dims[l.outputAxis]
            var live = 0
            for o in 0..<n where !w.isZero(axis: l.outputAxis, index: o) || (b.map { $0.values[o] != 0 } ?? false) { live += 1 }
            let nz = w.values.reduce(0) { $0 + ($1 != 0 ? 1 : 0) } + (b?.values.reduce(0) { $0 + ($1 != 0 ? 1 : 0) } ?? 0)
            return LayerStats(name: l.name, op: l.op, weightShape: w.dims, parameters: w.count + (b?.count ?? 0),
                              nonzero: nz, neurons: n, liveNeurons: live)
        }
    }
}

/// Totals over every floating-point initializer of a model (BatchNorm statistics included).
public struct ParameterCount: Sendable, Codable, Equatable {
    public var total: Int
    public var nonzero: Int

    public init(_ model: Model) throws {
        var total = 0, nz = 0
        for t in model.graph?.initializers ?? [] where t.dataType.isFloatingPoint {
            let v = try t.floatValues()
            total += v.count
            for x in v where x != 0 { nz += 1 }
        }
        self.total = total
        self.nonzero = nz
    }
}
