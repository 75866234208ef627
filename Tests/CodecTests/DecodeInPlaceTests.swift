import Foundation
import Testing
@testable import Codec
import ONNXIO
import TestSupport

/// `ModelDecoder.decode(_:to:)` lays the ONNX file out first and writes each tensor into its
/// place as soon as it is decoded: the file must be byte for byte the one the in-memory
/// decode and `save(.inlineAll)` write, for any thread count, and nothing may be left behind
/// when decoding fails.
@Suite("decode into a laid-out file")
struct DecodeInPlaceTests {
    private static func folder() throws -> String {
        let dir = NSTemporaryDirectory() + "nncodec-inplace-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Decodes `bytes` both ways into `dir` and returns the two files' bytes.
    private static func bothWays(_ bytes: [UInt8], graph: Model? = nil, threads: Int, dir: String) throws -> (inPlace: [UInt8], memory: [UInt8]) {
        try FileIO.writeAtomically(dir + "/s.nnc", bytes: bytes)
        let source = try NNRFileSource(path: dir + "/s.nnc")
        let a = try ModelDecoder.decode(source, source: "s.nnc", graph: graph, threads: threads, to: dir + "/a.onnx")
        let b = try ModelDecoder.decode(bytes, source: "s.nnc", graph: graph, threads: threads)
        try b.model.save(to: dir + "/b.onnx", options: SaveOptions(externalData: .inlineAll))
        #expect(a.dataFile == nil)
        #expect(a.report == b.report)
        return (try FileIO.read(dir + "/a.onnx").array, try FileIO.read(dir + "/b.onnx").array)
    }

    @Test("digit models, uniform and DQ, 1/2/4 threads: the laid-out file equals the in-memory decode's",
          arguments: ["lenet300.onnx", "lenet300_ext.onnx", "lenet5.onnx", "resnet_small.onnx"], [false, true])
    func sameBytes(_ name: String, dq: Bool) throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = EncodeOptions(q: 8)
        options.dependentQuantization = dq
        let bytes = try ModelEncoder(options: options).encode(try Model.load(path: TestData.path(name))).bytes
        #expect(ModelDecoder.plan(try ModelDecoder.StreamListing(bytes), graph: nil, source: "s") != nil, "no plan for \(name)")
        for threads in [1, 2, 4] {
            let (a, b) = try Self.bothWays(bytes, threads: threads, dir: dir)
            #expect(a == b, "\(name), dq \(dq), \(threads) threads")
        }
    }

    @Test("every dtype, scalars and empty tensors: the same bytes")
    func dtypes() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var g = Graph(name: "g")
        let t = DTypeFixture.tensor
        let vals = DTypeFixture.values
        g.initializers = [
            try t("h", .float16, [4, 6], vals), try t("b", .bfloat16, [4, 6], vals), try t("d", .double, [2, 12], vals),
            try t("f", .float, [4, 6], vals), Tensor(name: "ff", dims: [2, 3], floats: Array(vals.prefix(6))),
            Tensor(name: "i64", dataType: .int64, dims: [3], rawData: TensorBytes(elements: [Int64(-5), 7, 1 << 20])),
            Tensor(name: "i8", dataType: .int8, dims: [2, 2], rawData: TensorBytes(elements: [Int8(-128), 127, 0, 3])),
            Tensor(name: "flag", dataType: .bool, dims: [2], rawData: TensorBytes(elements: [UInt8(1), 0])),
            Tensor(name: "scalar", dataType: .float, dims: [], rawData: TensorBytes(elements: [Float(2.5)])),
            Tensor(name: "empty", dataType: .float, dims: [0, 3], rawData: TensorBytes()),
        ]
        let model = Model(irVersion: 10, opsetImports: [OperatorSetID(domain: "", version: 21)], graph: g)
        let bytes = try ModelEncoder(options: EncodeOptions(q: 10)).encode(model).bytes
        #expect(ModelDecoder.plan(try ModelDecoder.StreamListing(bytes), graph: nil, source: "s") != nil)
        for threads in [1, 3] {
            let (a, b) = try Self.bothWays(bytes, threads: threads, dir: dir)
            #expect(a == b, "\(threads) threads")
        }
    }

    @Test("a stream without topology (NNCodec-decodable, per-tensor qps) decoded into a given graph: the same bytes")
    func givenGraph() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bytes = try FileIO.read(TestData.path("rate/concat_dw_alloc.nnr")).array
        let graph = try Model.load(path: TestData.path("concat_dw.onnx"))
        #expect(ModelDecoder.plan(try ModelDecoder.StreamListing(bytes), graph: graph, source: "s") != nil)
        let (a, b) = try Self.bothWays(bytes, graph: graph, threads: 2, dir: dir)
        #expect(a == b)
    }

    @Test("a graph the file cannot be laid out for (a Constant list) takes the in-memory path: the same bytes")
    func fallback() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var g = Graph(name: "g")
        g.initializers = [Tensor(name: "w", dims: [8, 8], floats: (0..<64).map { Float($0) * 0.01 - 0.3 })]
        var c = Node(opType: "Constant", inputs: [], outputs: ["k"])
        var a = Attribute(name: "value_floats")
        a.type = .floats
        a.floats = (0..<40).map { Float($0) * 0.1 }
        c.attributes = [a]
        g.nodes = [c]
        let model = Model(irVersion: 10, opsetImports: [OperatorSetID(domain: "", version: 21)], graph: g)
        let (bytes, report) = try ModelEncoder(options: EncodeOptions(q: 8)).encode(model)
        try #require(report.tensors.contains { $0.name == "k" && $0.role != .kept })
        #expect(ModelDecoder.plan(try ModelDecoder.StreamListing(bytes), graph: nil, source: "s") == nil)
        let (x, y) = try Self.bothWays(bytes, threads: 2, dir: dir)
        #expect(x == y)
    }

    @Test("a payload corrupt in its last tensor, 1 and 2 threads: the same error as in memory, no output, no temporary file")
    func corruptLeavesNothing() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var bytes = try ModelEncoder(options: EncodeOptions(q: 8)).encode(try Model.load(path: TestData.path("lenet300.onnx"))).bytes
        bytes.removeLast(40)   // the last unit's payload ends early; the unit sizes still parse
        bytes.append(contentsOf: [UInt8](repeating: 0xFF, count: 40))
        try FileIO.writeAtomically(dir + "/bad.nnc", bytes: bytes)
        #expect(ModelDecoder.plan(try ModelDecoder.StreamListing(bytes), graph: nil, source: "s") != nil)
        for threads in [1, 2] {
            let memory = #expect(throws: DecodeError.self) { try ModelDecoder.decode(bytes, source: "bad.nnc", threads: threads) }
            let file = #expect(throws: DecodeError.self) {
                try ModelDecoder.decode(try NNRFileSource(path: dir + "/bad.nnc"), source: "bad.nnc", threads: threads, to: dir + "/out.onnx")
            }
            #expect(file?.description == memory?.description)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["bad.nnc"])
        }
    }
}
