import Testing
import ONNXIO
@testable import Runtime

private func model(_ nodes: [Node], inputs: [String], outputs: [String], inits: [Tensor] = [], opset: Int64 = 17) -> Model {
    var g = Graph(name: "g")
    g.nodes = nodes
    g.inputs = inputs.map { ValueInfo(name: $0, type: .tensor(.float, nil)) }
    g.outputs = outputs.map { ValueInfo(name: $0) }
    g.initializers = inits
    return Model(irVersion: 8, opsetImports: [OperatorSetID(domain: "", version: opset)], graph: g)
}

@Suite struct SessionTests {
    /// y = relu(x * w + b): Mul → Add → Relu.
    func chain() -> Model {
        model([Node(opType: "Mul", inputs: ["x", "w"], outputs: ["m"], name: "mul"),
               Node(opType: "Add", inputs: ["m", "b"], outputs: ["a"], name: "add"),
               Node(opType: "Relu", inputs: ["a"], outputs: ["y"], name: "relu")],
              inputs: ["x"], outputs: ["y"],
              inits: [Tensor(name: "w", dims: [3], floats: [1, -2, 3]), Tensor(name: "b", dims: [], floats: [0.5])])
    }

    @Test func runsByNameAndPosition() throws {
        let s = try Session(model: chain())
        #expect(s.inputNames == ["x"])
        #expect(s.outputNames == ["y"])
        let x = NDArray(shape: [3], floats: [1, 1, 1])
        let a = try s.run(inputs: ["x": x])
        let b = try s.run([x])
        #expect(a["y"]?.floats == [1.5, 0, 3.5])
        #expect(a == b)
    }

    @Test func fetchesIntermediatesAndOverridesInitializers() throws {
        let s = try Session(model: chain())
        let x = NDArray(shape: [3], floats: [1, 1, 1])
        let r = try s.run(inputs: ["x": x], outputs: ["m", "a", "y", "w"])
        #expect(r["m"]?.floats == [1, -2, 3])
        #expect(r["a"]?.floats == [1.5, -1.5, 3.5])
        #expect(r["w"]?.floats == [1, -2, 3])
        let o = try s.run(inputs: ["x": x], overrides: ["w": NDArray(shape: [3], floats: [0, 0, 0])])
        #expect(o["y"]?.floats == [0.5, 0.5, 0.5])
        // The override applies to that run only.
        #expect(try s.run(inputs: ["x": x])["y"]?.floats == [1.5, 0, 3.5])
        // Overriding an intermediate skips its producer.
        let p = try s.run(inputs: ["x": x], overrides: ["a": NDArray(shape: [2], floats: [-1, 2])])
        #expect(p["y"]?.floats == [0, 2])
        // Only what the requested value needs runs: "m" needs no "b".
        #expect(try s.run(inputs: ["x": x], outputs: ["m"])["m"]?.floats == [1, -2, 3])
    }

    @Test func reportsMissingAndUnknownNames() throws {
        let s = try Session(model: chain())
        #expect(throws: RuntimeError.missingInput(name: "x")) { try s.run(inputs: [:]) }
        #expect(throws: RuntimeError.unknownName("nope")) { try s.run(inputs: ["x": NDArray(scalar: Float(1))], outputs: ["nope"]) }
        #expect(throws: RuntimeError.self) { try s.run(inputs: ["q": NDArray(scalar: Float(1))]) }
        #expect(throws: RuntimeError.self) { try s.run([]) }
    }

    @Test func rejectsUnsortedGraphs() throws {
        let m = model([Node(opType: "Relu", inputs: ["a"], outputs: ["y"], name: "second"),
                       Node(opType: "Neg", inputs: ["x"], outputs: ["a"], name: "first")],
                      inputs: ["x"], outputs: ["y"])
        #expect(throws: RuntimeError.notTopologicallySorted(node: "second", input: "a", producer: "first")) { try Session(model: m) }
        let u = model([Node(opType: "Relu", inputs: ["ghost"], outputs: ["y"], name: "r")], inputs: ["x"], outputs: ["y"])
        #expect(throws: RuntimeError.undefinedValue(name: "ghost", node: "r")) { try Session(model: u) }
    }

    @Test func namesUnsupportedOperators() throws {
        let m = model([Node(opType: "FancyOp", inputs: ["x"], outputs: ["y"], name: "fancy1")], inputs: ["x"], outputs: ["y"])
        do {
            _ = try Session(model: m)
            Issue.record("expected an error")
        } catch let e as RuntimeError {
            #expect(e == .unsupportedOperator(op: "FancyOp", domain: "", node: "fancy1"))
            #expect(e.description.contains("FancyOp") && e.description.contains("fancy1"))
        }
        var n = Node(opType: "Relu", inputs: ["x"], outputs: ["y"], name: "r")
        n.domain = "com.microsoft"
        #expect(throws: RuntimeError.unsupportedOperator(op: "Relu", domain: "com.microsoft", node: "r")) {
            try Session(model: model([n], inputs: ["x"], outputs: ["y"]))
        }
    }

    @Test func kernelErrorsNameTheNode() throws {
        let m = model([Node(opType: "Add", inputs: ["x", "z"], outputs: ["y"], name: "bad_add")], inputs: ["x", "z"], outputs: ["y"])
        let s = try Session(model: m)
        do {
            _ = try s.run(inputs: ["x": NDArray(shape: [2], floats: [1, 2]), "z": NDArray(shape: [3], floats: [1, 2, 3])])
            Issue.record("expected an error")
        } catch let e as RuntimeError {
            #expect(e.description.contains("bad_add") && e.description.contains("broadcast"))
        }
    }

    @Test func convertsInputTypesAndChecksShapes() throws {
        var m = chain()
        m.graph!.inputs = [ValueInfo(name: "x", type: .tensor(.float, [.symbol("N")]))]
        let s = try Session(model: m)
        let r = try s.run(inputs: ["x": NDArray(shape: [3], int64s: [1, 1, 1])])
        #expect(r["y"]?.floats == [1.5, 0, 3.5])
        #expect(throws: RuntimeError.self) { try s.run(inputs: ["x": NDArray(shape: [1, 3], floats: [1, 1, 1])]) }
    }

    @Test func sessionIsUsableFromSeveralThreads() async throws {
        let s = try Session(model: chain())
        try await withThrowingTaskGroup(of: [Float].self) { g in
            for i in 0..<8 {
                g.addTask { try s.run(inputs: ["x": NDArray(shape: [3], floats: [Float(i), 0, 0])])["y"]!.floats }
            }
            var n = 0
            for try await r in g { #expect(r.count == 3); n += 1 }
            #expect(n == 8)
        }
    }

    @Test func tensorConversionRoundTrips() throws {
        let a = NDArray(shape: [2, 2], floats: [1, 2, 3, 4])
        #expect(try NDArray(tensor: a.tensor(name: "a")) == a)
        let b = NDArray(shape: [3], int64s: [-1, 0, 1 << 40])
        #expect(try NDArray(tensor: b.tensor()) == b)
        let c = NDArray(shape: [2], bools: [true, false])
        #expect(try NDArray(tensor: c.tensor()) == c)
        var t = Tensor(name: "h", dataType: .float16, dims: [2], rawData: TensorBytes(elements: [UInt16(0x3C00), UInt16(0xC000)]))
        #expect(try NDArray(tensor: t).floats == [1, -2])
        t = Tensor(name: "i", dataType: .int32, dims: [2])
        t.int32Data = [7, -7]
        #expect(try NDArray(tensor: t).int64s == [7, -7])
        t = Tensor(name: "bad", dataType: .float, dims: [3], rawData: TensorBytes(elements: [Float(1)]))
        #expect(throws: TensorError.invalidTensor("bad: raw_data has 4 bytes, dims [3] of float32 need 12")) { try NDArray(tensor: t) }
        #expect(a.cast(to: .int64).int64s == [1, 2, 3, 4])
        #expect(NDArray(shape: [3], floats: [-1.7, 0, 2.9]).cast(to: .int64).int64s == [-1, 0, 2])
        #expect(NDArray(shape: [3], floats: [-1.7, 0, 2.9]).cast(to: .bool).bools == [true, false, true])
    }
}

@Suite struct MemoryTests {
    @Test func freesIntermediatesAfterTheirLastConsumer() throws {
        // x → n1 → n2 → n3 → y, plus x used again by the last node.
        let nodes = [Node(opType: "Neg", inputs: ["x"], outputs: ["a"], name: "n1"),
                     Node(opType: "Neg", inputs: ["a"], outputs: ["b"], name: "n2"),
                     Node(opType: "Neg", inputs: ["b"], outputs: ["c"], name: "n3"),
                     Node(opType: "Add", inputs: ["c", "x"], outputs: ["y"], name: "n4")]
        var g = Graph(name: "g")
        g.nodes = nodes
        g.inputs = [ValueInfo(name: "x")]
        g.outputs = [ValueInfo(name: "y")]
        let s = try Session(model: Model(irVersion: 8, opsetImports: [OperatorSetID(domain: "", version: 17)], graph: g))
        var freed: [String] = []
        var maxLive = 0
        var timed = 0
        let obs = RunObserver(nodeFinished: { _, _ in timed += 1 }, freed: { n, live in freed.append(n); maxLive = max(maxLive, live) })
        let r = try s.execute(inputs: ["x": NDArray(shape: [2], floats: [1, 2])], outputs: nil, overrides: [:], observer: obs)
        #expect(r["y"]?.floats == [0, 0])
        #expect(freed == ["a", "b", "c", "x"])
        #expect(maxLive <= 2)
        #expect(timed == 4)
        // A requested intermediate is kept.
        freed = []
        let k = try s.execute(inputs: ["x": NDArray(shape: [2], floats: [1, 2])], outputs: ["b", "y"], overrides: [:], observer: obs)
        #expect(k["b"]?.floats == [1, 2])
        #expect(!freed.contains("b"))
    }
}
