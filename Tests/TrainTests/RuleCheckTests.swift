import ONNXIO
import Runtime
import Testing
@testable import Train

/// Every backward rule against central finite differences, over seeded random shapes and
/// attributes (broadcasting, groups, strides, padding, dilation).
@Suite struct RuleCheckTests {
    func expectAgrees(_ cases: [OpCase], _ check: GradCheck = GradCheck(), seed: UInt64 = 1) throws {
        for (k, c) in cases.enumerated() {
            let failures = try check.check(c, seed: seed &+ UInt64(k))
            #expect(failures.isEmpty, "\(failures.prefix(3).joined(separator: "; "))")
        }
    }

    func ints(_ name: String, _ v: [Int]) -> Attribute { .ints(name, v.map(Int64.init)) }
    func i64(_ v: [Int]) -> NDArray { NDArray(shape: [v.count], int64s: v.map(Int64.init)) }

    @Test func linear() throws {
        var m = ArrayMaker(seed: 11)
        var cases: [OpCase] = []
        for _ in 0..<4 {
            let M = m.int(4), K = m.int(5), N = m.int(4)
            let ta = m.int(2) == 2, tb = m.int(2) == 2
            let cShape = [[N], [M, N], [1], [M, 1]][m.int(4) - 1]
            cases.append(OpCase(op: "Gemm", inputs: [("a", m.uniform(ta ? [K, M] : [M, K])), ("b", m.uniform(tb ? [N, K] : [K, N])), ("c", m.uniform(cShape))],
                                attributes: [.int("transA", ta ? 1 : 0), .int("transB", tb ? 1 : 0), .float("alpha", 0.7), .float("beta", 1.3)]))
        }
        cases.append(OpCase(op: "MatMul", inputs: [("a", m.uniform([3, 4])), ("b", m.uniform([4, 2]))]))
        cases.append(OpCase(op: "MatMul", inputs: [("a", m.uniform([2, 1, 3, 4])), ("b", m.uniform([3, 4, 5]))]))
        cases.append(OpCase(op: "MatMul", inputs: [("a", m.uniform([4])), ("b", m.uniform([2, 4, 3]))]))
        cases.append(OpCase(op: "MatMul", inputs: [("a", m.uniform([2, 3, 4])), ("b", m.uniform([4]))]))
        try expectAgrees(cases)
    }

    @Test func convolutions() throws {
        var m = ArrayMaker(seed: 12)
        var cases: [OpCase] = []
        for _ in 0..<6 {
            let groups = m.int(2), cg = m.int(2), mg = m.int(2)
            let k = m.int(3), s = m.int(2), d = m.int(2), p = m.int(2) - 1
            let H = (k - 1) * d + 1 + m.int(4)
            cases.append(OpCase(op: "Conv", inputs: [("x", m.uniform([2, groups * cg, H, H + 1])), ("w", m.uniform([groups * mg, cg, k, k])), ("b", m.uniform([groups * mg]))],
                                attributes: [.int("group", Int64(groups)), ints("strides", [s, s]), ints("dilations", [d, d]), ints("pads", [p, p, p, 0])]))
        }
        // Depthwise, 1-D, SAME padding.
        cases.append(OpCase(op: "Conv", inputs: [("x", m.uniform([2, 3, 5, 5])), ("w", m.uniform([3, 1, 3, 3]))],
                            attributes: [.int("group", 3), ints("pads", [1, 1, 1, 1])]))
        cases.append(OpCase(op: "Conv", inputs: [("x", m.uniform([2, 2, 7])), ("w", m.uniform([3, 2, 3])), ("b", m.uniform([3]))],
                            attributes: [ints("strides", [2])]))
        cases.append(OpCase(op: "Conv", inputs: [("x", m.uniform([1, 2, 5, 5])), ("w", m.uniform([2, 2, 3, 3]))],
                            attributes: [.string("auto_pad", "SAME_UPPER"), ints("strides", [2, 2])]))
        for _ in 0..<4 {
            let groups = m.int(2), cg = m.int(2), mg = m.int(2), k = m.int(3), s = m.int(2), p = m.int(2) - 1
            let op = s > 1 ? m.int(2) - 1 : 0
            cases.append(OpCase(op: "ConvTranspose", inputs: [("x", m.uniform([2, groups * cg, 3, 4])), ("w", m.uniform([groups * cg, mg, k, k])), ("b", m.uniform([groups * mg]))],
                                attributes: [.int("group", Int64(groups)), ints("strides", [s, s]), ints("pads", [p, p, p, p]), ints("output_padding", [op, op])]))
        }
        try expectAgrees(cases)
    }

    @Test func elementwise() throws {
        var m = ArrayMaker(seed: 13)
        let s = [3, 4]
        var cases = [
            OpCase(op: "Relu", inputs: [("x", m.awayFromZero(s))]),
            OpCase(op: "LeakyRelu", inputs: [("x", m.awayFromZero(s))], attributes: [.float("alpha", 0.1)]),
            OpCase(op: "Sigmoid", inputs: [("x", m.uniform(s, -3, 3))]),
            OpCase(op: "Tanh", inputs: [("x", m.uniform(s, -2, 2))]),
            OpCase(op: "HardSigmoid", inputs: [("x", m.uniform(s, -1.5, 1.5))], attributes: [.float("alpha", 0.3)]),
            OpCase(op: "HardSwish", inputs: [("x", m.uniform(s, -2.8, 2.8))]),
            OpCase(op: "Erf", inputs: [("x", m.uniform(s, -2, 2))]),
            OpCase(op: "Gelu", inputs: [("x", m.uniform(s, -3, 3))], opset: 20),
            OpCase(op: "Gelu", inputs: [("x", m.uniform(s, -3, 3))], attributes: [.string("approximate", "tanh")], opset: 20),
            OpCase(op: "Sqrt", inputs: [("x", m.uniform(s, 0.5, 2))]),
            OpCase(op: "Identity", inputs: [("x", m.uniform(s))]),
            OpCase(op: "Dropout", inputs: [("x", m.uniform(s))], attributes: [.float("ratio", 0.3)], opset: 11),
            OpCase(op: "Clip", inputs: [("x", NDArray(shape: [40], floats: (0..<40).map { Float($0) * 0.1 - 1.97 })), ("lo", NDArray(scalar: Float(-0.75))), ("hi", NDArray(scalar: Float(0.9)))]),
            OpCase(op: "Softmax", inputs: [("x", m.uniform([2, 3, 4], -2, 2))], attributes: [.int("axis", 1)]),
            OpCase(op: "Softmax", inputs: [("x", m.uniform([2, 3, 4], -2, 2))], attributes: [.int("axis", 1)], opset: 11),
            OpCase(op: "LogSoftmax", inputs: [("x", m.uniform([2, 5], -2, 2))]),
        ]
        // Broadcasting binary operators.
        for (sa, sb) in [([2, 3, 4], [4]), ([3, 1], [1, 4]), ([2, 3, 4], [2, 3, 4]), ([1], [2, 3])] {
            cases.append(OpCase(op: "Add", inputs: [("a", m.uniform(sa)), ("b", m.uniform(sb))]))
            cases.append(OpCase(op: "Sub", inputs: [("a", m.uniform(sa)), ("b", m.uniform(sb))]))
            cases.append(OpCase(op: "Mul", inputs: [("a", m.uniform(sa)), ("b", m.uniform(sb))]))
            cases.append(OpCase(op: "Div", inputs: [("a", m.uniform(sa)), ("b", m.uniform(sb, 0.5, 2))]))
            cases.append(OpCase(op: "Pow", inputs: [("a", m.uniform(sa, 0.5, 2)), ("b", m.uniform(sb, -1.5, 2))]))
        }
        try expectAgrees(cases)
    }

    @Test func poolingAndReductions() throws {
        var m = ArrayMaker(seed: 14)
        let cases = [
            OpCase(op: "MaxPool", inputs: [("x", m.distinct([2, 2, 6, 6]))], attributes: [ints("kernel_shape", [2, 2]), ints("strides", [2, 2])]),
            OpCase(op: "MaxPool", inputs: [("x", m.distinct([1, 2, 7, 6]))], attributes: [ints("kernel_shape", [3, 3]), ints("strides", [2, 2]), ints("pads", [1, 1, 1, 1])]),
            OpCase(op: "MaxPool", inputs: [("x", m.distinct([1, 2, 7, 7]))], attributes: [ints("kernel_shape", [2, 2]), ints("strides", [2, 2]), .int("ceil_mode", 1)]),
            OpCase(op: "AveragePool", inputs: [("x", m.uniform([2, 2, 5, 5]))], attributes: [ints("kernel_shape", [3, 3]), ints("pads", [1, 1, 1, 1])]),
            OpCase(op: "AveragePool", inputs: [("x", m.uniform([2, 2, 5, 5]))], attributes: [ints("kernel_shape", [3, 3]), ints("strides", [2, 2]), ints("pads", [1, 1, 1, 1]), .int("count_include_pad", 1)]),
            OpCase(op: "GlobalAveragePool", inputs: [("x", m.uniform([2, 3, 4, 4]))]),
            OpCase(op: "ReduceMean", inputs: [("x", m.uniform([2, 3, 4]))], attributes: [ints("axes", [1]), .int("keepdims", 0)]),
            OpCase(op: "ReduceMean", inputs: [("x", m.uniform([2, 3, 4]))], attributes: [ints("axes", [-1, 0])]),
            OpCase(op: "ReduceSum", inputs: [("x", m.uniform([2, 3, 4])), ("axes", i64([2]))], attributes: [.int("keepdims", 0)]),
            OpCase(op: "ReduceSum", inputs: [("x", m.uniform([2, 3, 4]))]),
        ]
        try expectAgrees(cases)
    }

    @Test func normalization() throws {
        var m = ArrayMaker(seed: 15)
        func bn(_ training: Bool) -> OpCase {
            OpCase(op: "BatchNormalization", inputs: [("x", m.uniform([4, 3, 2, 2], -2, 2)), ("g", m.uniform([3], 0.5, 1.5)), ("b", m.uniform([3])),
                                                      ("mean", m.uniform([3])), ("var", m.uniform([3], 0.5, 2))], training: training)
        }
        let cases = [bn(true), bn(false),
                     OpCase(op: "LayerNormalization", inputs: [("x", m.uniform([2, 3, 5], -2, 2)), ("g", m.uniform([5], 0.5, 1.5)), ("b", m.uniform([5]))]),
                     OpCase(op: "LayerNormalization", inputs: [("x", m.uniform([2, 3, 4], -2, 2)), ("g", m.uniform([3, 4], 0.5, 1.5)), ("b", m.uniform([3, 4]))],
                            attributes: [.int("axis", 1)])]
        try expectAgrees(cases, GradCheck(eps: 5e-3, atol: 3e-3, rtol: 3e-2))
    }

    @Test func shapes() throws {
        var m = ArrayMaker(seed: 16)
        let cases = [
            OpCase(op: "Flatten", inputs: [("x", m.uniform([2, 3, 2]))]),
            OpCase(op: "Reshape", inputs: [("x", m.uniform([2, 3, 2])), ("s", i64([3, -1]))]),
            OpCase(op: "Transpose", inputs: [("x", m.uniform([2, 3, 4]))], attributes: [ints("perm", [2, 0, 1])]),
            OpCase(op: "Concat", inputs: [("a", m.uniform([2, 3])), ("b", m.uniform([2, 1])), ("c", m.uniform([2, 2]))], attributes: [.int("axis", 1)]),
            OpCase(op: "Split", inputs: [("x", m.uniform([5, 2])), ("sp", i64([2, 3]))], attributes: [.int("axis", 0)], outputs: 2),
            OpCase(op: "Slice", inputs: [("x", m.uniform([4, 6])), ("st", i64([1, 5])), ("en", i64([4, 0])), ("ax", i64([0, 1])), ("sp", i64([2, -2]))]),
            OpCase(op: "Gather", inputs: [("x", m.uniform([6, 3])), ("i", NDArray(shape: [2, 2], int64s: [5, 0, 5, 2]))]),
            OpCase(op: "Unsqueeze", inputs: [("x", m.uniform([2, 3])), ("ax", i64([1]))], opset: 13),
        ]
        try expectAgrees(cases)
    }

    /// Sign has no finite-difference gradient: the rule is the straight-through estimator,
    /// the gradient of hardtanh (passed where |x| ≤ 1).
    @Test func signStraightThrough() throws {
        let x = NDArray(shape: [4], floats: [-2, -0.5, 0.25, 3])
        let g = try GradientGraph(model: OpCase(op: "Sign", inputs: [("x", x)]).model())
        let tape = try g.forward(inputs: [:])
        #expect(tape.values["y0"]?.f == [-1, -1, 1, 1])
        let grads = try g.backward(tape, seeds: ["y0": NDArray(shape: [4], floats: [1, 2, 3, 4])])
        #expect(grads["x"]?.f == [0, 2, 3, 0])
    }
}
