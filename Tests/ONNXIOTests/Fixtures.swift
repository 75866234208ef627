import TestSupport
import Foundation
@testable import ONNXIO

/// Paths and builders shared by the ONNXIO tests.
enum Fixtures {
    static let repoRoot = TestData.root

    static func testdata(_ name: String) -> String { repoRoot + "/testdata/" + name }

    /// A fresh empty folder under the system temp dir.
    static func tempDir() -> String {
        let dir = NSTemporaryDirectory() + "nncodec-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A model that uses every message type and every attribute kind of onnx.proto.
    static func everyField() -> Model {
        var m = Model(irVersion: 10, opsetImports: [OperatorSetID(domain: "", version: 21), OperatorSetID(domain: "com.example", version: 1)])
        m.producerName = "nncodec-tests"
        m.producerVersion = "1"
        m.domain = "org.example"
        m.modelVersion = 7
        m.docString = "a model with every field"
        m.metadataProps = [StringPair(key: "k", value: "v")]
        m.unknownFields = [UnknownField(tag: 1000, wireType: 0, data: [0x96, 0x01])]

        var w = Tensor(name: "W", dims: [3, 4], floats: (0..<12).map { Float($0) * 0.5 - 2 })
        w.docString = "weights"
        w.metadataProps = [StringPair(key: "layer", value: "fc")]
        var typed = Tensor(name: "T", dataType: .float, dims: [2])
        typed.floatData = [1.5, -2.25]
        var i64 = Tensor(name: "shape", dataType: .int64, dims: [2])
        i64.int64Data = [-1, 12]
        var dbl = Tensor(name: "D", dataType: .double, dims: [2])
        dbl.doubleData = [1e-300, 3.0]
        var u64 = Tensor(name: "U", dataType: .uint64, dims: [1])
        u64.uint64Data = [UInt64.max]
        var half = Tensor(name: "H", dataType: .float16, dims: [2])
        half.int32Data = [0x3c00, 0xc000]
        var str = Tensor(name: "S", dataType: .string, dims: [2])
        str.stringData = [Array("a".utf8), [0xff, 0x00]]
        var seg = Tensor(name: "seg", dataType: .int32, dims: [1], rawData: TensorBytes(elements: [Int32(5)]))
        seg.segment = Tensor.Segment(begin: 0, end: 1)
        let sparse = SparseTensor(values: Tensor(name: "sv", dims: [2], floats: [1, 2]),
                                  indices: Tensor(name: "si", dataType: .int64, dims: [2], rawData: TensorBytes(elements: [Int64(0), Int64(5)])),
                                  dims: [2, 3])

        var body = Graph(name: "body")
        body.nodes = [Node(opType: "Identity", inputs: ["a"], outputs: ["b"])]
        body.outputs = [ValueInfo(name: "b", type: .tensor(.float, [.fixed(1)]))]

        var node = Node(opType: "Custom", inputs: ["x", "W", ""], outputs: ["y"], name: "n0")
        node.domain = "com.example"
        node.overload = "v2"
        node.docString = "doc"
        node.metadataProps = [StringPair(key: "m", value: "n")]
        node.unknownFields = [UnknownField(tag: 99, wireType: 2, data: [2, 0xaa, 0xbb])]
        var attrs: [Attribute] = [.float("alpha", 0.25), .int("axis", -1), .string("mode", "same"), .ints("pads", [1, 1, 0, 0]),
                                  .tensor("value", w)]
        var fl = Attribute(name: "scales", type: .floats); fl.floats = [1, 2.5]; attrs.append(fl)
        var ss = Attribute(name: "names", type: .strings); ss.strings = [Array("x".utf8), []]; attrs.append(ss)
        var ts = Attribute(name: "ts", type: .tensors); ts.tensors = [typed]; attrs.append(ts)
        var g = Attribute(name: "then_branch", type: .graph); g.g = body; attrs.append(g)
        var gs = Attribute(name: "branches", type: .graphs); gs.graphs = [body, body]; attrs.append(gs)
        var sp = Attribute(name: "sp", type: .sparseTensor); sp.sparseTensor = sparse; attrs.append(sp)
        var sps = Attribute(name: "sps", type: .sparseTensors); sps.sparseTensors = [sparse]; attrs.append(sps)
        var tp = Attribute(name: "tp", type: .typeProto)
        tp.tp = TypeProto(value: .sequence(elemType: .tensor(.float, nil))); attrs.append(tp)
        var tps = Attribute(name: "tps", type: .typeProtos)
        tps.typeProtos = [TypeProto(value: .map(keyType: 7, valueType: .tensor(.float, [.symbol("N")]))),
                          TypeProto(value: .optional(elemType: .tensor(.int64, []))),
                          TypeProto(value: .sparseTensor(elemType: 1, shape: TensorShape(dims: [.fixed(2), TensorShape.Dimension(nil, denotation: "DATA_CHANNEL")])), denotation: "IMAGE")]
        attrs.append(tps)
        var ref = Attribute(name: "r", type: .float); ref.refAttrName = "outer"; ref.docString = "ref"; attrs.append(ref)
        node.attributes = attrs

        var graph = Graph(name: "main")
        graph.docString = "graph doc"
        graph.nodes = [node]
        graph.initializers = [w, typed, i64, dbl, u64, half, str, seg]
        graph.sparseInitializers = [sparse]
        graph.inputs = [ValueInfo(name: "x", type: .tensor(.float, [.symbol("N"), .fixed(3)]))]
        var out = ValueInfo(name: "y", type: .tensor(.float, [.symbol("N"), .fixed(4)]))
        out.docString = "out"
        out.metadataProps = [StringPair(key: "a", value: "b")]
        graph.outputs = [out]
        graph.valueInfo = [ValueInfo(name: "z", type: nil)]
        var ann = TensorAnnotation(tensorName: "W")
        ann.quantParameterTensorNames = [StringPair(key: "SCALE_TENSOR", value: "s")]
        graph.quantizationAnnotations = [ann]
        graph.metadataProps = [StringPair(key: "g", value: "1")]
        m.graph = graph

        var ti = TrainingInfo()
        ti.initialization = body
        ti.algorithm = body
        ti.initializationBinding = [StringPair(key: "W", value: "b")]
        ti.updateBinding = [StringPair(key: "W", value: "b")]
        m.trainingInfo = [ti]

        var f = Function(name: "Custom")
        f.domain = "com.example"
        f.overload = "v2"
        f.inputs = ["x", "W"]
        f.outputs = ["y"]
        f.attributeNames = ["alpha"]
        f.attributeProtos = [.float("beta", 1)]
        f.nodes = [Node(opType: "MatMul", inputs: ["x", "W"], outputs: ["y"])]
        f.opsetImports = [OperatorSetID(domain: "", version: 21)]
        f.valueInfo = [ValueInfo(name: "y")]
        f.metadataProps = [StringPair(key: "f", value: "g")]
        f.docString = "fn"
        m.functions = [f]
        return m
    }
}
