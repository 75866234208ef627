import Foundation
import Testing
import ONNXIO
@testable import Runtime

private func model(_ nodes: [Node], inputs: [(String, DataType, [TensorShape.Dimension]?)], outputs: [(String, DataType?)],
                   inits: [Tensor] = [], opset: Int64 = 21) -> Model {
    var g = Graph(name: "g")
    g.nodes = nodes
    g.inputs = inputs.map { ValueInfo(name: $0.0, type: .tensor($0.1, $0.2)) }
    g.outputs = outputs.map { ValueInfo(name: $0.0, type: $0.1.map { .tensor($0, nil) }) }
    g.initializers = inits
    return Model(irVersion: 10, opsetImports: [OperatorSetID(domain: "", version: opset)], graph: g)
}

private func tempDir() -> String {
    let d = NSTemporaryDirectory() + "nncodec-run-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
}

@Suite struct ModelRunTests {
    /// y = Relu(x) with x declared [-1, 3] (Paddle's dynamic batch) and [N, 3] (symbolic).
    @Test(arguments: [TensorShape.Dimension.fixed(-1), .symbol("N"), TensorShape.Dimension(nil)])
    func anyBatchWhereTheGraphAllowsIt(batchDim: TensorShape.Dimension) throws {
        let m = model([Node(opType: "Relu", inputs: ["x"], outputs: ["y"])], inputs: [("x", .float, [batchDim, .fixed(3)])], outputs: [("y", .float)])
        let s = try Session(model: m)
        for n in [1, 2, 5] {
            let x = NDArray(shape: [n, 3], floats: (0..<(3 * n)).map { Float($0) - 4 })
            #expect(try s.run([x])["y"]?.floats == x.floats.map { max(0, $0) })
        }
        #expect(throws: RuntimeError.self) { try s.run([NDArray(shape: [2, 4], floats: [Float](repeating: 0, count: 8))]) }
    }

    @Test func savesEveryOutputWithItsDeclaredTypeAndBindsByNameOrPosition() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var cast = Node(opType: "Cast", inputs: ["s"], outputs: ["q"])
        cast.attributes = [.int("to", Int64(DataType.uint8.rawValue))]
        let m = model([Node(opType: "Add", inputs: ["a", "b"], outputs: ["s"]),
                       cast],
                      inputs: [("a", .float, nil), ("b", .float, nil)], outputs: [("s", .float), ("q", .uint8)])
        _ = try m.save(to: dir + "/m.onnx")
        let a = NDArray(shape: [2, 2], floats: [1, 2, 3, 250]), b = NDArray(shape: [2], floats: [10, 20])
        try FileIO.writeAtomically(dir + "/a.npy", bytes: NPYWriter.encode(a))
        try FileIO.writeAtomically(dir + "/b.pb", bytes: b.tensor(name: "b").serialized())
        let r = try ModelRun.run(model: dir + "/m.onnx", data: ["b=" + dir + "/b.pb", dir + "/a.npy"], save: dir + "/out.npz")
        #expect(r.outputs.map(\.name) == ["s", "q"])
        let saved = try NPY.readArchive(path: dir + "/out.npz")
        #expect(saved["s"]?.floats == [11, 22, 13, 270])
        #expect(saved["q"]?.int64s == [11, 22, 13, 14])   // 270 wraps in uint8
        #expect(throws: RuntimeError.inputMismatch("\(dir)/m.onnx: has no input 'c' (inputs: a, b)")) {
            try ModelRun.run(model: dir + "/m.onnx", data: ["c=" + dir + "/a.npy"])
        }
        #expect(throws: RuntimeError.inputMismatch("\(dir)/m.onnx: no data for input 'b' (give NAME=FILE for it)")) {
            try ModelRun.run(model: dir + "/m.onnx", data: [dir + "/a.npy"])
        }
    }

    @Test func npyWriterRoundTripsThroughTheReader() throws {
        let arrays: [(NDArray, DataType?)] = [
            (NDArray(shape: [2, 3], floats: [0, -1.5, 2, .infinity, 1e-8, 3]), nil),
            (NDArray(shape: [], floats: [7]), .double),
            (NDArray(shape: [4], int64s: [-5, 0, 5, 1 << 40]), nil),
            (NDArray(shape: [3], int64s: [0, 127, 255]), .uint8),
            (NDArray(shape: [2, 1], bools: [true, false]), nil),
        ]
        for (a, t) in arrays {
            let bytes = NPYWriter.encode(a, as: t)
            let back = try bytes.withUnsafeBytes { try NPY.decode($0) }
            #expect(back == a)
        }
        let zip = NPYWriter.archive([("x", NPYWriter.encode(arrays[0].0)), ("y", NPYWriter.encode(arrays[2].0))])
        let members = try zip.withUnsafeBytes { try NPY.decodeArchive($0) }
        #expect(members == ["x": arrays[0].0, "y": arrays[2].0])
    }

    @Test func float8FormatsRoundTripEveryCode() {
        for f in [MiniFloat.e4m3fn, .e4m3fnuz, .e5m2, .e5m2fnuz] {
            for b in 0...255 {
                let v = f.value(UInt8(b))
                if !v.isFinite { continue }   // saturation maps ±inf to ±max
                #expect(f.round(v, saturate: true) == v, "code \(b) of \(f)")
            }
            #expect(f.round(1e9, saturate: true) == f.maxValue)
        }
        #expect(MiniFloat.e4m3fn.round(1e9, saturate: false).isNaN)
        #expect(MiniFloat.e5m2.round(1e9, saturate: false) == .infinity)
        #expect(MiniFloat.e4m3fn.round(0.3, saturate: true) == 0.3125)   // 9.6 steps of 1/32 → 10
    }
}
