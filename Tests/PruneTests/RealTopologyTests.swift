import ONNXIO
@testable import Prune
import Runtime
import Testing

/// Small graphs with the shapes of real architectures (DenseNet transitions, grouped convs)
/// that prune + simplify used to break or leave untouched.
struct GraphBuilder {
    var graph = Graph(name: "g")
    var rng = SeededRandom(seed: 11)

    mutating func weights(_ name: String, _ dims: [Int], zeroRows: Set<Int> = [], scale: Float = 0.5) -> String {
        let n = dims.reduce(1, *), row = n / dims[0]
        var v = (0..<n).map { _ in Float.random(in: -scale...scale, using: &rng) }
        for r in zeroRows { for i in 0..<row { v[r * row + i] = 0 } }
        graph.initializers.append(Tensor(name: name, dims: dims.map { Int64($0) }, floats: v))
        return name
    }

    mutating func conv(_ x: String, _ y: String, cin: Int, cout: Int, k: Int = 1, group: Int = 1, bias: Bool = true,
                       deadOutputs: Set<Int> = [], biasOfDead: Float = 0) {
        let w = weights(y + ".w", [cout, cin / group, k, k], zeroRows: deadOutputs)
        var inputs = [x, w]
        if bias {
            var b = (0..<cout).map { _ in Float.random(in: -0.2...0.2, using: &rng) }
            for o in deadOutputs { b[o] = biasOfDead }
            graph.initializers.append(Tensor(name: y + ".b", dims: [Int64(cout)], floats: b))
            inputs.append(y + ".b")
        }
        var n = Node(opType: "Conv", inputs: inputs, outputs: [y], name: y)
        n.attributes = [.ints("pads", [Int64](repeating: Int64(k / 2), count: 4)), .int("group", Int64(group))]
        graph.nodes.append(n)
    }

    mutating func node(_ op: String, _ inputs: [String], _ y: String, _ attrs: [Attribute] = []) {
        var n = Node(opType: op, inputs: inputs, outputs: [y], name: y)
        n.attributes = attrs
        graph.nodes.append(n)
    }

    mutating func batchNorm(_ x: String, _ y: String, channels c: Int) {
        func vec(_ lo: Float, _ hi: Float) -> [Float] { (0..<c).map { _ in Float.random(in: lo...hi, using: &rng) } }
        for (p, v) in [("s", vec(0.5, 1.5)), ("b", vec(-0.5, 0.5)), ("m", vec(-0.3, 0.3)), ("v", vec(0.5, 1.5))] {
            graph.initializers.append(Tensor(name: "\(y).\(p)", dims: [Int64(c)], floats: v))
        }
        node("BatchNormalization", [x, y + ".s", y + ".b", y + ".m", y + ".v"], y)
    }

    func model(input: [Int], output: String) -> Model {
        var g = graph
        func info(_ n: String, _ d: [Int]?) -> ValueInfo {
            let shape = d.map { TensorShape(dims: $0.map { .init(.value(Int64($0))) }) }
            return ValueInfo(name: n, type: TypeProto(value: .tensor(elemType: DataType.float.rawValue, shape: shape)))
        }
        g.inputs = [info("x", input)]
        g.outputs = [info(output, nil)]
        return Model(irVersion: 8, opsetImports: [OperatorSetID(domain: "", version: 17)], graph: g)
    }
}

/// Largest |a − b| of the first output on seeded random inputs.
func outputDifference(_ a: Model, _ b: Model, shape: [Int], seed: UInt64 = 3) throws -> Double {
    var rng = SeededRandom(seed: seed)
    let x = NDArray(shape: shape, floats: (0..<shape.reduce(1, *)).map { _ in Float.random(in: -1...1, using: &rng) })
    let sa = try Session(model: a), sb = try Session(model: b)
    let name = a.graph!.outputs[0].name!
    let ya = try sa.run(inputs: ["x": x])[name]!.floats, yb = try sb.run(inputs: ["x": x])[name]!.floats
    #expect(ya.count == yb.count)
    return zip(ya, yb).map { Double(abs($0 - $1)) }.max() ?? 0
}

@Suite("simplification on real topologies")
struct RealTopologyTests {
    /// DenseNet: a dead channel of a dense block is a non-zero constant after BN + ReLU and
    /// is folded into a new bias of the bias-less transition Conv, whose own outputs are
    /// then partly removed: the new bias must lose the same entries.
    @Test func denseNetTransitionBiasFollowsRemovedOutputs() throws {
        var b = GraphBuilder()
        b.conv("x", "a", cin: 4, cout: 6)
        b.node("Relu", ["a"], "ar")
        b.conv("ar", "n", cin: 6, cout: 6, deadOutputs: [1, 4])
        b.node("Concat", ["ar", "n"], "c", [.int("axis", 1)])
        b.batchNorm("c", "cb", channels: 12)
        b.node("Relu", ["cb"], "cr")
        b.conv("cr", "t", cin: 12, cout: 5, bias: false, deadOutputs: [0, 3])
        b.node("AveragePool", ["t"], "tp", [.ints("kernel_shape", [2, 2]), .ints("strides", [2, 2])])
        b.batchNorm("tp", "tb", channels: 5)
        b.conv("tb", "y", cin: 5, cout: 3)
        let m = b.model(input: [1, 4, 8, 8], output: "y")
        let (s, report) = try Simplifier.simplify(m)
        let t = s.graph!.nodes.first { $0.outputs == ["t"] }!
        #expect(t.inputs.count == 3)
        let w = s.graph!.initializer(named: t.inputs[1])!, bias = s.graph!.initializer(named: t.inputs[2])!
        #expect(w.dims[0] == 3 && bias.dims == [3])
        #expect(report.removedChannels.values.reduce(0, +) >= 4)
        #expect(try outputDifference(m, s, shape: [1, 4, 8, 8]) <= 1e-4)
    }

    /// RegNet/ResNeXt: 1×1 → grouped 3×3 (4 groups) → 1×1. Dead channels of the first Conv
    /// (ReLU of a negative bias: exactly 0) and dead outputs of the grouped Conv are removed
    /// in equal numbers per group; `group` stays.
    @Test func groupedConvLosesChannelsEvenlyPerGroup() throws {
        var b = GraphBuilder()
        b.conv("x", "a", cin: 3, cout: 16, deadOutputs: [0, 1, 5, 9, 13], biasOfDead: -1)
        b.node("Relu", ["a"], "ar")
        b.conv("ar", "g", cin: 16, cout: 16, k: 3, group: 4, deadOutputs: [2, 3, 6, 7, 9, 14], biasOfDead: -1)
        b.node("Relu", ["g"], "gr")
        b.conv("gr", "y", cin: 16, cout: 4)
        let m = b.model(input: [1, 3, 6, 6], output: "y")
        let (s, report) = try Simplifier.simplify(m)
        let g = s.graph!.nodes.first { $0.outputs == ["g"] }!
        let w = s.graph!.initializer(named: g.inputs[1])!
        #expect(g.attribute("group")?.i == 4)
        // Inputs: group 0 loses {0, 1}, the others one each → one per group (3 kept per group);
        // outputs: groups 0 and 1 lose two, groups 2 and 3 one → one per group.
        #expect(w.dims == [12, 3, 3, 3])
        #expect(report.removedChannels["g"] == 4)
        #expect(try outputDifference(m, s, shape: [1, 3, 6, 6]) <= 1e-4)
    }

    /// SqueezeNet as torch.onnx exports it: equal (zero) biases merged into one initializer
    /// read through Identity nodes. The aliases become initializers again, so the fire
    /// module's squeeze Conv can be pruned and its dead channels removed.
    @Test func identityAliasedBiasesDoNotBlockPruning() throws {
        var b = GraphBuilder()
        b.conv("x", "s", cin: 3, cout: 8)
        b.graph.initializers.removeAll { $0.name == "s.b" }
        b.graph.initializers.append(Tensor(name: "zeros8", dims: [8], floats: [Float](repeating: 0, count: 8)))
        b.node("Identity", ["zeros8"], "s.b")
        b.node("Relu", ["s"], "sr")
        b.conv("sr", "e1", cin: 8, cout: 6)
        b.conv("sr", "e3", cin: 8, cout: 6, k: 3)
        b.node("Concat", ["e1", "e3"], "c", [.int("axis", 1)])
        b.node("Relu", ["c"], "y")
        let m = b.model(input: [1, 3, 5, 5], output: "y")
        let (pruned, rep) = try Pruner.prune(m, options: PruneOptions(criterion: .structured, target: .sparsity(0.4), perLayer: true))
        #expect(rep.prunedUnits > 0)
        let (s, report) = try Simplifier.simplify(pruned)
        #expect(report.removedChannels["s"] ?? 0 > 0)
        #expect(!s.graph!.nodes.contains { $0.opType == "Identity" })
        #expect(try outputDifference(pruned, s, shape: [1, 3, 5, 5]) <= 1e-4)
    }
}
