import Testing
@testable import Codec
import ONNXIO

/// A graph whose Pow exponent `e` (role rawFloat) holds `tensor`, followed by a weight, so
/// the exact tensor's unit is not the last of the stream.
private func powModel(_ tensor: Tensor) -> Model {
    var g = Graph(name: "g")
    g.initializers = [tensor, Tensor(name: "w", dims: [3, 4], floats: (0..<12).map { Float($0) * 0.1 - 0.5 })]
    g.nodes = [Node(opType: "Pow", inputs: ["x", "e"], outputs: ["p"]), Node(opType: "MatMul", inputs: ["p", "w"], outputs: ["y"])]
    return Model(irVersion: 9, graph: g)
}

/// Encodes, checks the payload type of `e`, decodes (with and without the topology unit)
/// and compares every bit of `e` with the original.
private func roundTrip(_ tensor: Tensor, payload: NNRPayloadType, dq: Bool, _ label: String) throws {
    let model = powModel(tensor)
    for topology in [true, false] {
        var options = EncodeOptions(q: 8)
        options.dependentQuantization = dq
        options.carryTopology = topology
        let (bytes, report) = try ModelEncoder(options: options).encode(model)
        let coded = try #require(NNRBitstream.parse(bytes).tensors.first { $0.name == "e" })
        #expect(report.tensors[0].role == .rawFloat, "\(label)")
        #expect(coded.payloadType == payload, "\(label): \(coded.payloadType)")
        #expect(!coded.dependentQuantization, "\(label): an exact tensor never uses DQ")
        let decoded = try ModelDecoder.decode(bytes, source: label, graph: topology ? nil : model).model
        let e = try #require(decoded.graph?.initializer(named: "e"))
        #expect(e.dataType == tensor.dataType && e.dims == tensor.dims, "\(label)")
        #expect(try e.floatValues().map(\.bitPattern) == tensor.floatValues().map(\.bitPattern), "\(label): bits differ")
        if tensor.rawData != nil { #expect(e.rawData == tensor.rawData, "\(label): stored bytes differ") }
    }
}

@Suite("exact tensors as FLOAT units at a power-of-two step")
struct ExactStepCodingTests {
    static let quantized: [(String, [Int64], [Float])] = [
        ("scalar 2", [], [2]),
        ("scales", [4], [1, 1, 2, 2]),
        ("negatives", [3], [-0.5, 1.5, -3]),
        ("1/255", [1], [Float(1) / 255]),
        ("mixed exponents", [4], [0.75, -3.5, 1024, 0.125]),
        ("2-D", [2, 2], [2, 0.5, 1, 3]),
        ("-1e4 mask", [3], [0, -10000, 0]),
        ("zeros", [2], [0, 0]),
        ("range 2^-23", [2], [1, 0x1p-23]),
    ]
    static let raw: [(String, [Int64], [Float])] = [
        ("1e-30", [], [1e-30]),
        ("subnormals", [2], [.leastNonzeroMagnitude, -.leastNormalMagnitude / 4]),
        ("-inf", [3], [0, -.infinity, 1]),
        ("NaN", [2], [.nan, 0.5]),
        ("-0", [2], [-0.0, 1]),
        ("range 2^-24", [2], [1, 0x1p-24]),
        ("range 1e6 1e-6", [2], [1e6, 1e-6]),
    ]

    @Test("float32 values at an exact step come back bit for bit", arguments: [false, true])
    func float32Exact(dq: Bool) throws {
        for (label, dims, values) in Self.quantized {
            try roundTrip(Tensor(name: "e", dims: dims, floats: values), payload: .float, dq: dq, label)
        }
    }

    @Test("±inf, NaN, −0 and values no signallable step holds stay RAW_FLOAT, bit for bit", arguments: [false, true])
    func rawFallback(dq: Bool) throws {
        for (label, dims, values) in Self.raw {
            try roundTrip(Tensor(name: "e", dims: dims, floats: values), payload: .rawFloat, dq: dq, label)
        }
    }

    @Test("float16 and bfloat16 storage: exact step on the widened values, stored bytes restored")
    func halfPrecision() throws {
        let third = Float(1) / 3
        let cases: [(String, DataType, [Float], NNRPayloadType)] = [
            ("fp16", .float16, [0.5, -2, third, 1000], .float),
            ("fp16 subnormals", .float16, [0x1p-24, 0x1p-20, -0x1.8p-23], .float),
            ("fp16 65504 and 2^-24", .float16, [65504, 0x1p-24], .rawFloat),
            ("fp16 inf", .float16, [.infinity, 1], .rawFloat),
            ("bf16", .bfloat16, [third, -256, 2], .float),
            ("bf16 NaN", .bfloat16, [.nan, 2], .rawFloat),
        ]
        for (label, type, values, payload) in cases {
            var t = Tensor(name: "e", dataType: type, dims: [Int64(values.count)])
            try t.setFloatValues(values)
            try roundTrip(t, payload: payload, dq: false, label)
        }
    }

    @Test("the report carries the exact step's qp; the reconstruction error is 0")
    func report() throws {
        let (_, report) = try ModelEncoder(options: EncodeOptions(q: 8)).encode(powModel(Tensor(name: "e", dims: [], floats: [2])))
        #expect(report.tensors[0].qp == 4 && report.tensors[0].stepSize == 2)
        #expect(report.tensors[0].maxError == 0 && report.tensors[0].rmsError == 0)
    }
}
