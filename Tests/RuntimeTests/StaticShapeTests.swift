import Foundation
import ONNXIO
import Runtime
import Testing

/// Tensors' static shape inference against the shapes the inference engine produces, and
/// the output shapes onnxruntime produced for the operator fixtures.
@Suite struct StaticShapeTests {
    @Test(arguments: ["lenet300", "lenet5", "resnet_small", "concat_dw", "tiny_bert"])
    func everyValueOfTheTestModelsMatchesTheEngine(_ name: String) throws {
        let model = try Model.load(path: TestPaths.testdata(name + ".onnx"))
        let session = try Session(model: model)
        let g = try #require(model.graph)
        var feed: [String: NDArray] = [:]
        for n in session.inputNames {
            let info = session.inputInfo[n]
            feed[n] = NDArray(zeros: (info?.shape ?? []).map { $0 ?? 3 }, type: info?.type ?? .float32)
        }
        let names = g.nodes.flatMap(\.outputs).filter { !$0.isEmpty }
        let values = try session.run(inputs: feed, outputs: names)
        let shapes = try ShapeInference.shapes(of: model, symbolicDimension: 3)
        for n in names {
            #expect(shapes[n] == values[n]?.shape, "\(name): value \(n)")
        }
    }

    /// Every operator fixture gets onnxruntime's output shapes, except the four whose shape is
    /// the value of a graph input: those are refused with a node-naming error.
    @Test func operatorFixturesMatchOnnxRuntime() throws {
        var matched = 0, refused: [String] = []
        for c in OpReferenceTests.cases {
            let model = try Model.load(path: TestPaths.testdata("ops/\(c.name).onnx"))
            let arrays = try NPY.readArchive(path: TestPaths.testdata("ops/\(c.name).npz"))
            var given: [String: [Int]] = [:]
            for (k, v) in arrays where k.hasPrefix("in.") { given[String(k.dropFirst(3))] = v.shape }
            let shapes: [String: [Int]]
            do {
                shapes = try ShapeInference.shapes(of: model, inputShapes: given)
            } catch TensorError.shapeInference(let node, let message) {
                #expect(!node.isEmpty && !message.isEmpty)
                refused.append(c.name)
                continue
            }
            for (k, v) in arrays where k.hasPrefix("out.") {
                #expect(shapes[String(k.dropFirst(4))] == v.shape, "\(c.name): \(k)")
            }
            matched += 1
        }
        // Only the fixtures whose output shape is a graph input's value are refused.
        #expect(refused == ["constantofshape", "constantofshape_int", "range_float", "range_int"])
        #expect(matched == OpReferenceTests.cases.count - 4)
    }
}
