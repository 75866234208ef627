import Testing
@testable import Codec
import ONNXIO
import TestSupport

/// A graph that keeps its tensors everywhere an exporter might: an initializer, Constant
/// `value`/`value_floats`/`value_ints`/`sparse_value`, an If body with its own
/// initializer, and a −inf mask.
private func exporterModel(seed: UInt64 = 7) -> Model {
    var rng = SeededRandom(seed: seed)
    func floats(_ n: Int) -> [Float] { (0..<n).map { _ in Float.random(in: -1...1, using: &rng) } }
    var g = Graph(name: "exporter")
    g.initializers = [Tensor(name: "init_w", dims: [8, 4], floats: floats(32))]
    func constant(_ out: String, _ a: Attribute) -> Node {
        var n = Node(opType: "Constant", outputs: [out]); n.attributes = [a]; return n
    }
    var floatsAttr = Attribute(name: "value_floats", type: .floats); floatsAttr.floats = floats(16)
    var intsAttr = Attribute(name: "value_ints", type: .ints); intsAttr.ints = [1, -1, 4, 1 << 20]
    var sparse = SparseTensor()
    sparse.values = Tensor(name: "sv", dims: [3], floats: floats(3))
    sparse.indices = Tensor(name: "si", dataType: .int64, dims: [3], rawData: TensorBytes(elements: [Int64(0), 5, 9]))
    sparse.dims = [4, 4]
    var sparseAttr = Attribute(name: "sparse_value", type: .sparseTensor); sparseAttr.sparseTensor = sparse
    var mask = floats(12)
    mask[3] = -.infinity; mask[7] = .infinity; mask[9] = .nan
    var body = Graph(name: "then")
    body.initializers = [Tensor(name: "then_w", dims: [4, 6], floats: floats(24))]
    var thenAttr = Attribute(name: "then_branch", type: .graph); thenAttr.g = body
    g.nodes = [
        constant("const_w", .tensor("value", Tensor(name: "", dims: [16, 8], floats: floats(128)))),
        constant("const_f", floatsAttr),
        constant("const_i", intsAttr),
        constant("const_s", sparseAttr),
        constant("mask", .tensor("value", Tensor(name: "m", dims: [3, 4], floats: mask))),
        constant("scalar", .float("value_float", 0.5)),
        { var n = Node(opType: "If", inputs: ["cond"], outputs: ["y"]); n.attributes = [thenAttr]; return n }(),
    ]
    return Model(irVersion: 9, graph: g)
}

@Suite("tensors wherever the model keeps them")
struct StoredTensorTests {
    @Test("initializers, Constant values, sparse parts and subgraph initializers are all located and named")
    func locate() {
        let names = exporterModel().locatedTensors().map { $0.tensor.name ?? "" }
        #expect(names == ["init_w", "const_w", "const_f", "const_i", "const_s.values", "const_s.indices", "mask", "then_w"])
        let summary = ModelSummary(exporterModel())
        #expect(summary.parameters == 32 + 128 + 16 + 4 + 3 + 3 + 12 + 24)
    }

    @Test("encode → decode codes every stored tensor; the graph is otherwise identical; ±inf/NaN are exact",
          arguments: [false, true])
    func roundTrip(dq: Bool) throws {
        let model = exporterModel()
        var options = EncodeOptions(q: 8)
        options.dependentQuantization = dq
        let (bytes, report) = try ModelEncoder(options: options).encode(model)
        let roles = Dictionary(uniqueKeysWithValues: report.tensors.map { ($0.name, $0.role) })
        #expect(roles["const_w"] == .weight && roles["then_w"] == .weight && roles["const_f"] == .nonWeight)
        #expect(roles["const_i"] == .integer && roles["const_s.indices"] == .integer && roles["mask"] == .rawFloat)
        #expect(report.codedParameters == ModelSummary(model).parameters)
        let (decoded, _) = try ModelDecoder.decode(bytes, source: "exporter")
        let before = model.locatedTensors(), after = decoded.locatedTensors()
        #expect(before.map(\.location) == after.map(\.location))
        let step = options.weightStep
        for (o, r) in zip(before, after) {
            #expect(o.tensor.dims == r.tensor.dims && o.tensor.dataType == r.tensor.dataType)
            if o.tensor.dataType == .int64 {
                #expect(try o.tensor.int64Values() == r.tensor.int64Values())
                continue
            }
            let w = try o.tensor.floatValues(), v = try r.tensor.floatValues()
            for i in w.indices {
                if !w[i].isFinite || roles[o.tensor.name!] == .rawFloat {
                    #expect(w[i].bitPattern == v[i].bitPattern, "\(o.tensor.name!)[\(i)] not bit-exact")
                } else {
                    #expect(abs(w[i] - v[i]) <= step * 2, "\(o.tensor.name!)[\(i)]")
                }
            }
        }
        // Apart from the coded payloads, the graph is bit-identical.
        var a = model, b = decoded
        for lt in a.locatedTensors() { a.setTensor(Tensor(name: nil, dataType: lt.tensor.dataType, dims: lt.tensor.dims), at: lt.location) }
        for lt in b.locatedTensors() { b.setTensor(Tensor(name: nil, dataType: lt.tensor.dataType, dims: lt.tensor.dims), at: lt.location) }
        #expect(a.serialized() == b.serialized())
        #expect(decoded.graph!.nodes[5] == model.graph!.nodes[5])   // value_float scalar kept verbatim
    }

    @Test("a −inf weight never stops an encode: RAW_FLOAT, and a stream without topology decodes with --graph")
    func nonFiniteWithoutTopology() throws {
        var m = Model()
        m.irVersion = 9
        var w = [Float](repeating: 0.25, count: 24)
        w[0] = -.infinity
        m.graph = Graph(name: "g")
        m.graph!.initializers = [Tensor(name: "w", dims: [4, 6], floats: w)]
        var options = EncodeOptions(q: 15)
        options.carryTopology = false
        let (bytes, report) = try ModelEncoder(options: options).encode(m)
        #expect(report.tensors[0].role == .rawFloat)
        let (decoded, _) = try ModelDecoder.decode(bytes, source: "s", graph: m)
        #expect(try decoded.graph!.initializers[0].floatValues().map(\.bitPattern) == w.map(\.bitPattern))
    }

    @Test("a double tensor with NaN stays in the topology unit, bit for bit")
    func doubleNaNKept() throws {
        var m = Model()
        m.irVersion = 9
        m.graph = Graph(name: "g")
        m.graph!.initializers = [Tensor(name: "d", dataType: .double, dims: [2, 2],
                                        rawData: TensorBytes(elements: [1.0, .nan, -.infinity, 3.0] as [Double]))]
        let (bytes, report) = try ModelEncoder(options: EncodeOptions(q: 8)).encode(m)
        #expect(report.tensors[0].role == .kept)
        #expect(try ModelDecoder.decode(bytes, source: "s").model.graph!.initializers[0].rawData == m.graph!.initializers[0].rawData)
    }

    @Test("a scalar −1e4 mask constant (beyond int32 levels at the non-weight step) is stored exactly, not refused")
    func hugeConstantStoredExactly() throws {
        var g = Graph(name: "g")
        var n = Node(opType: "Constant", outputs: ["neg"])
        n.attributes = [.tensor("value", Tensor(name: nil, dims: [], floats: [-10000]))]
        g.nodes = [n]
        g.initializers = [Tensor(name: "w", dims: [2, 2], floats: [3.0e38, 1, 2, 3])]
        let m = Model(irVersion: 9, graph: g)
        let (bytes, report) = try ModelEncoder(options: EncodeOptions(q: 8)).encode(m)
        #expect(report.tensors.map(\.role) == [.rawFloat, .rawFloat])
        let decoded = try ModelDecoder.decode(bytes, source: "s").model
        #expect(decoded.locatedTensors().map { try! $0.tensor.floatValues() } == [[3.0e38, 1, 2, 3], [-10000]])
    }

    @Test("Resize scales and roi (also in a subgraph), Range bounds and Pow exponents are stored exactly; other 1-D floats are quantized")
    func shapeInputsStoredExactly() throws {
        var body = Graph(name: "body")
        body.initializers = [Tensor(name: "sub_scales", dims: [4], floats: [1, 1, 2.5, 2.5])]
        body.nodes = [Node(opType: "Resize", inputs: ["x", "", "sub_scales"], outputs: ["z"])]
        var thenAttr = Attribute(name: "then_branch", type: .graph); thenAttr.g = body
        var g = Graph(name: "g")
        g.initializers = [Tensor(name: "scales", dims: [4], floats: [1, 1, 2, 2]), Tensor(name: "roi", dims: [8], floats: [0, 0, 0.1, 0.1, 1, 1, 0.9, 0.9]),
                          Tensor(name: "start", dims: [], floats: [0.3]), Tensor(name: "bias", dims: [3], floats: [0.3, 0.7, 1.1]),
                          Tensor(name: "two", dims: [], floats: [2])]
        g.nodes = [Node(opType: "Resize", inputs: ["x", "roi", "scales"], outputs: ["y"]),
                   Node(opType: "Range", inputs: ["start", "limit", "delta"], outputs: ["r"]),
                   Node(opType: "Add", inputs: ["y", "bias"], outputs: ["s"]),
                   Node(opType: "Pow", inputs: ["s", "two"], outputs: ["p"]),
                   { var n = Node(opType: "If", inputs: ["cond"], outputs: ["u"]); n.attributes = [thenAttr]; return n }()]
        let m = Model(irVersion: 9, graph: g)
        let (bytes, report) = try ModelEncoder(options: EncodeOptions(q: 15)).encode(m)
        let roles = Dictionary(uniqueKeysWithValues: report.tensors.map { ($0.name, $0.role) })
        #expect(roles == ["scales": .rawFloat, "roi": .rawFloat, "start": .rawFloat, "bias": .nonWeight, "two": .rawFloat,
                          "sub_scales": .rawFloat])
        let decoded = try ModelDecoder.decode(bytes, source: "s").model
        for (o, d) in zip(m.locatedTensors(), decoded.locatedTensors()) where roles[o.tensor.name!] == .rawFloat {
            #expect(try o.tensor.floatValues() == d.tensor.floatValues(), "\(o.tensor.name!)")
        }
    }
}
