import Testing
@testable import ONNXIO

/// Bounds on what a file can make the loader do: nesting depth, absurd dims.
@Suite("resource bounds")
struct ResourceBoundTests {
    static func varint(_ v: Int) -> [UInt8] {
        var v = UInt64(v), out: [UInt8] = []
        repeat {
            out.append(UInt8(v & 0x7f) | (v >= 0x80 ? 0x80 : 0))
            v >>= 7
        } while v > 0
        return out
    }

    static func field(_ tag: UInt8, _ body: [UInt8]) -> [UInt8] { [tag] + varint(body.count) + body }

    /// A model whose graph nests `levels` subgraphs: node → attribute `g` → graph → …
    static func nestedModel(levels: Int) -> [UInt8] {
        var graph: [UInt8] = field(0x12, Array("g".utf8))   // GraphProto.name
        for _ in 0..<levels {
            let attribute = field(0x0a, Array("body".utf8)) + field(0x32, graph) + [0xa0, 0x01, 0x05]   // name, g, type GRAPH
            let node = field(0x22, Array("If".utf8)) + field(0x2a, attribute)
            graph = field(0x0a, node) + field(0x12, Array("g".utf8))
        }
        return [0x08, 0x0a] + field(0x3a, graph)   // ir_version 10, graph
    }

    @Test("subgraphs nested within the limit load")
    func shallowNesting() throws {
        let model = try Model(serialized: Self.nestedModel(levels: 15))
        #expect(model.graph?.nodes.first?.opType == "If")
    }

    @Test("subgraphs nested beyond the limit are refused before parsing, with an offset")
    func deepNesting() throws {
        let bytes = Self.nestedModel(levels: 5000)
        let error = try #require(throws: ONNXError.self) { try Model(serialized: bytes, source: "deep.onnx") }
        #expect(error.kind == .malformed)
        #expect(error.offset != nil && error.offset! > 0 && error.offset! < bytes.count)
        #expect(error.description.hasPrefix("deep.onnx: byte "))
        #expect(error.description.contains("nest more than \(NestingScan.maxDepth) levels"))
    }

    @Test("element counts of absurd dims saturate instead of trapping")
    func elementCount() {
        #expect(Tensor(name: "t", dataType: .float, dims: [1 << 40, 1 << 40]).elementCount == Int.max)
        #expect(Tensor(name: "t", dataType: .float, dims: [1 << 40, 1 << 40, 0]).elementCount == 0)
        #expect(Tensor(name: "t", dataType: .float, dims: [3, 4]).elementCount == 12)
        #expect(DataType.float.rawByteCount(elements: Int.max) == Int.max)
    }
}
