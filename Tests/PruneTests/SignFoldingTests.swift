import ONNXIO
import Runtime
import Testing
@testable import Prune

/// `simplify` folds Sign(latent weight) of a binary layer into a ±1 initializer.
@Suite struct SignFoldingTests {
    @Test func signOfInitializerBecomesConstant() throws {
        var g = Graph(name: "bnn")
        g.nodes = [Node(opType: "Sign", inputs: ["latent"], outputs: ["wb"], name: "bin"),
                   Node(opType: "MatMul", inputs: ["x", "wb"], outputs: ["y"], name: "mm")]
        let x = ValueInfo(name: "x", type: TypeProto(value: .tensor(elemType: 1, shape: TensorShape(dims: [.symbol("N"), .fixed(3)]))))
        let y = ValueInfo(name: "y", type: TypeProto(value: .tensor(elemType: 1, shape: TensorShape(dims: [.symbol("N"), .fixed(2)]))))
        g.inputs = [x]; g.outputs = [y]
        g.initializers = [NDArray(shape: [3, 2], floats: [0.3, -0.2, 0, -4, 2, 0.01]).tensor(name: "latent")]
        let m = Model(irVersion: 8, opsetImports: [OperatorSetID(domain: "", version: 17)], graph: g)
        let (s, _) = try Simplifier.simplify(m)
        #expect(s.graph!.nodes.map(\.op) == ["MatMul"])
        #expect(s.graph!.initializers.map(\.name) == ["wb"])
        #expect(try NDArray(tensor: s.graph!.initializers[0]).floats == [1, -1, 0, -1, 1, 1])
        let input = NDArray(shape: [2, 3], floats: [1, 2, 3, -1, 0.5, 2])
        let a = try Session(model: m).run(inputs: ["x": input], outputs: ["y"])["y"]!
        let b = try Session(model: s).run(inputs: ["x": input], outputs: ["y"])["y"]!
        #expect(a == b)
    }
}
