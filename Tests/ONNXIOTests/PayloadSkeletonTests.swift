import Foundation
import Testing
@testable import ONNXIO

/// A mapped load leaves large initializer payloads in the mapping (`PayloadSkeleton`): the
/// model must equal the one a read gives, and files of another shape must fall back.
@Suite("mapped load without payload copies")
struct PayloadSkeletonTests {
    private static func bytes(_ m: Model) -> [UInt8] { m.serialized() }

    private static func model(large: Int, small: Int) -> Model {
        var g = Graph(name: "g")
        g.initializers = [
            Tensor(name: "big", dataType: .float, dims: [Int64(large)], rawData: TensorBytes(elements: (0..<large).map { Float($0 % 97) * 0.5 })),
            Tensor(name: "bias", dims: [Int64(small)], floats: (0..<small).map { Float($0) }),
            Tensor(name: "big2", dataType: .int64, dims: [Int64(large)], rawData: TensorBytes(elements: (0..<large).map { Int64($0) })),
        ]
        g.nodes = [Node(opType: "Identity", inputs: ["big"], outputs: ["y"])]
        return Model(irVersion: 10, opsetImports: [OperatorSetID(domain: "", version: 21)], graph: g)
    }

    @Test("large raw payloads are cut out and come back as slices of the mapping; the model equals a read", arguments: [
        "lenet300.onnx", "resnet_small.onnx", "lenet5.onnx"])
    func testdataModels(_ name: String) throws {
        let path = Fixtures.testdata(name)
        let mapped = try Model.load(path: path, mapExternalData: true)
        #expect(mapped == (try Model.load(path: path)))
        let raw = try FileIO.read(path)
        let cuts = raw.withUnsafeBytes { PayloadSkeleton.strip($0) }?.cuts ?? []
        let large = mapped.graph!.initializers.filter { ($0.rawData?.count ?? 0) >= PayloadSkeleton.minimumBytes }.count
        #expect(cuts.count == large)
    }

    @Test("a built model: two payloads cut, the small one kept; the skeleton parses to the model without them")
    func builtModel() throws {
        let m = Self.model(large: 40_000, small: 10)
        let b = Self.bytes(m)
        let (skeleton, cuts) = try #require(b.withUnsafeBytes { PayloadSkeleton.strip($0) })
        #expect(cuts.map(\.initializer) == [0, 2] && cuts.map(\.range.count) == [160_000, 320_000])
        #expect(skeleton.count < 400)
        let dir = Fixtures.tempDir()
        try FileIO.writeAtomically(dir + "/m.onnx", bytes: b)
        #expect(try Model.load(path: dir + "/m.onnx", mapExternalData: true) == m)
    }

    @Test("small models and other shapes (two graph fields, two raw_data fields) are not stripped")
    func fallbacks() throws {
        let small = Self.bytes(Self.model(large: 100, small: 10))
        #expect(small.withUnsafeBytes { PayloadSkeleton.strip($0) } == nil)
        let big = Self.bytes(Self.model(large: 40_000, small: 10))
        // A second graph field (protobuf merges the two): appended at the end.
        let extra: [UInt8] = [7 << 3 | 2, 2, 10, 0]   // graph { node {} }
        #expect((big + extra).withUnsafeBytes { PayloadSkeleton.strip($0) } == nil)
        let dir = Fixtures.tempDir()
        try FileIO.writeAtomically(dir + "/two.onnx", bytes: big + extra)
        #expect(try Model.load(path: dir + "/two.onnx", mapExternalData: true) == Model.load(path: dir + "/two.onnx"))
        // Truncated inside the large payload: the whole file's error.
        try FileIO.writeAtomically(dir + "/cut.onnx", bytes: Array(big.prefix(big.count - 1000)))
        let read = Result { try Model.load(path: dir + "/cut.onnx") }
        let mapped = Result { try Model.load(path: dir + "/cut.onnx", mapExternalData: true) }
        guard case .failure(let a) = read, case .failure(let b) = mapped else { Issue.record("a truncated file loaded"); return }
        #expect("\(a)" == "\(b)")
    }
}
