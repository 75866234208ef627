import Testing
import ONNXIO
@testable import Runtime

/// Runs one node on `inputs` (named i0, i1, …; nil = omitted) and returns its outputs.
private func runNode(_ op: String, _ inputs: [NDArray?], outputs: Int = 1, attributes: [Attribute] = [],
                     types: [DataType?]? = nil, outputType: DataType? = nil, opset: Int64 = 21) throws -> [NDArray] {
    var node = Node(opType: op, inputs: inputs.indices.map { inputs[$0] == nil ? "" : "i\($0)" }, outputs: (0..<outputs).map { "o\($0)" })
    node.attributes = attributes
    var g = Graph(name: op)
    g.nodes = [node]
    for (i, a) in inputs.enumerated() {
        guard let a else { continue }
        g.inputs.append(ValueInfo(name: "i\(i)", type: .tensor(types?[i] ?? a.elementType.onnxType, nil)))
    }
    g.outputs = (0..<outputs).map { ValueInfo(name: "o\($0)", type: outputType.map { .tensor($0, nil) }) }
    let s = try Session(model: Model(irVersion: 10, opsetImports: [OperatorSetID(domain: "", version: opset)], graph: g))
    var feed: [String: NDArray] = [:]
    for (i, a) in inputs.enumerated() { if let a { feed["i\(i)"] = a } }
    let r = try s.run(inputs: feed)
    return (0..<outputs).map { r["o\($0)"]! }
}

private func f(_ shape: [Int], _ v: [Float]) -> NDArray { NDArray(shape: shape, floats: v) }
private func i(_ shape: [Int], _ v: [Int64]) -> NDArray { NDArray(shape: shape, int64s: v) }

@Suite struct NewOpsTests {
    @Test func gatherAndScatterElements() throws {
        let x = f([2, 3], [1, 2, 3, 4, 5, 6])
        #expect(try runNode("GatherElements", [x, i([2, 2], [2, 0, -1, 1])], attributes: [.int("axis", 1)])[0] == f([2, 2], [3, 1, 6, 5]))
        let s = try runNode("ScatterElements", [x, i([1, 2], [0, 2]), f([1, 2], [10, 20])], attributes: [.int("axis", 1), .string("reduction", "add")])[0]
        #expect(s == f([2, 3], [11, 2, 23, 4, 5, 6]))
        #expect(throws: RuntimeError.self) { try runNode("GatherElements", [x, i([1, 1], [3])], attributes: [.int("axis", 1)]) }
    }

    @Test func topKCumSumTriluOneHot() throws {
        let x = f([2, 3], [3, 1, 3, 0, 5, 2])
        let tk = try runNode("TopK", [x, i([1], [2])], outputs: 2)
        #expect(tk[0] == f([2, 2], [3, 3, 5, 2]))
        #expect(tk[1] == i([2, 2], [0, 2, 1, 2]))   // ties keep the lower index first
        #expect(try runNode("CumSum", [x, i([], [1])], attributes: [.int("exclusive", 1), .int("reverse", 1)])[0] == f([2, 3], [4, 3, 0, 7, 2, 0]))
        #expect(try runNode("Trilu", [x, i([], [0])], attributes: [.int("upper", 0)])[0] == f([2, 3], [3, 0, 0, 0, 5, 0]))
        let oh = try runNode("OneHot", [i([3], [0, -1, 5]), f([], [3]), f([2], [0, 1])])[0]
        #expect(oh == f([3, 3], [1, 0, 0, 0, 0, 1, 0, 0, 0]))
    }

    @Test func resizeModes() throws {
        let x = f([1, 1, 1, 2], [0, 10])
        let scales = f([4], [1, 1, 1, 2])
        let nearest = try runNode("Resize", [x, nil, scales], attributes: [.string("mode", "nearest")])[0]
        #expect(nearest == f([1, 1, 1, 4], [0, 0, 10, 10]))
        let linear = try runNode("Resize", [x, nil, scales], attributes: [.string("mode", "linear")])[0]
        #expect(linear == f([1, 1, 1, 4], [0, 2.5, 7.5, 10]))   // half_pixel, edges clamped
        let corners = try runNode("Resize", [x, nil, nil, i([4], [1, 1, 1, 3])],
                                  attributes: [.string("mode", "linear"), .string("coordinate_transformation_mode", "align_corners")])[0]
        #expect(corners == f([1, 1, 1, 3], [0, 5, 10]))
    }

    @Test func quantizeUsesTheZeroPointType() throws {
        let x = f([4], [-300, -1.5, 2.5, 300])
        let u8 = try runNode("QuantizeLinear", [x, f([], [1]), i([], [0])], types: [nil, nil, .uint8])[0]
        #expect(u8 == i([4], [0, 0, 2, 255]))
        let s8 = try runNode("QuantizeLinear", [x, f([], [1]), i([], [0])], types: [nil, nil, .int8])[0]
        #expect(s8 == i([4], [-128, -2, 2, 127]))       // half to even
        #expect(try runNode("DequantizeLinear", [s8, f([], [0.5]), i([], [2])], types: [.int8, nil, .int8])[0] == f([4], [-65, -2, 0, 62.5]))
    }

    @Test func einsumMatchesMatMulAndTrace() throws {
        let a = f([2, 3], [1, 2, 3, 4, 5, 6]), b = f([3, 2], [1, 0, 0, 1, 1, 1])
        #expect(try runNode("Einsum", [a, b], attributes: [.string("equation", "ij,jk->ik")])[0] == f([2, 2], [4, 5, 10, 11]))
        #expect(try runNode("Einsum", [f([2, 2], [1, 2, 3, 4])], attributes: [.string("equation", "ii")])[0] == f([], [5]))
        #expect(try runNode("Einsum", [a], attributes: [.string("equation", "...j->...")])[0] == f([2], [6, 15]))
    }

    @Test func rnnWithIdentityWeightsAccumulates() throws {
        // h_t = Relu(x_t + h_{t-1}) with W = R = 1: a running sum.
        let x = f([3, 1, 1], [1, 2, 3])
        var activations = Attribute(name: "activations", type: .strings)
        activations.strings = [Array("Relu".utf8)]
        let r = try runNode("RNN", [x, f([1, 1, 1], [1]), f([1, 1, 1], [1])], outputs: 2,
                            attributes: [.int("hidden_size", 1), activations])
        #expect(r[0] == f([3, 1, 1, 1], [1, 3, 6]))
        #expect(r[1] == f([1, 1, 1], [6]))
    }

    @Test func bitShiftWrapsToTheDeclaredWidth() throws {
        let r = try runNode("BitShift", [i([2], [200, 3]), i([2], [1, 2])], attributes: [.string("direction", "LEFT")],
                            types: [.uint8, .uint8], outputType: .uint8)[0]
        #expect(r == i([2], [144, 12]))
    }
}
