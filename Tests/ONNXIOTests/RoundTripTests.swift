import Foundation
import Testing
@testable import ONNXIO

@Suite("ONNX round trip")
struct RoundTripTests {
    @Test("every field of onnx.proto survives serialize → parse")
    func everyField() throws {
        let m = Fixtures.everyField()
        let bytes = m.serialized()
        let back = try Model(serialized: bytes)
        #expect(back == m)
        #expect(back.serialized() == bytes, "re-serialization must be byte-identical")
    }

    @Test("absent optional fields stay absent, present zero values stay present")
    func presence() throws {
        var m = Model(irVersion: 9, opsetImports: [OperatorSetID(domain: nil, version: 13)], graph: Graph())
        m.modelVersion = 0
        m.docString = ""
        let back = try Model(serialized: m.serialized())
        #expect(back.modelVersion == 0)
        #expect(back.docString == "")
        #expect(back.producerName == nil)
        #expect(back.domain == nil)
        #expect(back.graph?.name == nil)
    }

    @Test("save then load keeps the model, and the file is byte-identical to serialized()")
    func saveLoad() throws {
        let dir = Fixtures.tempDir()
        let m = Fixtures.everyField()
        try m.save(to: dir + "/m.onnx")
        let back = try Model.load(path: dir + "/m.onnx")
        #expect(back == m)
        let file = try Data(contentsOf: URL(fileURLWithPath: dir + "/m.onnx"))
        #expect(Array(file) == m.serialized())
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty, "atomic save must not leave temporary files")
    }

    @Test("a TensorProto .pb round-trips")
    func tensorPB() throws {
        let t = Tensor(name: "x", dims: [2, 2], floats: [1, -2, 3.5, 0])
        let back = try t.serialized().withUnsafeBytes { try Tensor(serialized: $0) }
        #expect(back == t)
        #expect(try back.floatValues() == [1, -2, 3.5, 0])
    }
}

@Suite("tensor values")
struct TensorValueTests {
    @Test("float16: every finite half converts to float and back exactly")
    func halfExhaustive() {
        for h in 0...UInt16.max {
            let f = Tensor.halfToFloat(h)
            if f.isNaN { continue }
            #expect(Tensor.floatToHalf(f) == h, "half 0x\(String(h, radix: 16))")
        }
    }

    @Test("float16 rounding: nearest, ties to even, overflow to infinity")
    func halfRounding() {
        // 1 + 2^-11 lies halfway between 1 and 1 + 2^-10: ties to even → 1.
        #expect(Tensor.floatToHalf(1 + 0x1p-11) == 0x3c00)
        // 1 + 3·2^-11 lies halfway between 1+2^-10 (odd) and 1+2^-9 (even) → up.
        #expect(Tensor.floatToHalf(1 + 3 * 0x1p-11) == 0x3c02)
        #expect(Tensor.floatToHalf(65504) == 0x7bff)
        #expect(Tensor.floatToHalf(70000) == 0x7c00)
        #expect(Tensor.floatToHalf(-0.0) == 0x8000)
        #expect(Tensor.floatToHalf(0x1p-25) == 0)           // half of the smallest subnormal: ties to even → 0
        #expect(Tensor.floatToHalf(0x1p-24) == 1)
    }

    @Test("bfloat16 keeps the upper half with round-to-nearest-even")
    func bfloat() {
        #expect(Tensor.floatToBFloat16(1.0) == 0x3f80)
        #expect(Tensor.floatToBFloat16(Float(bitPattern: 0x3f80_8000)) == 0x3f80)  // tie → even
        #expect(Tensor.floatToBFloat16(Float(bitPattern: 0x3f81_8000)) == 0x3f82)  // tie → even (up)
        #expect(Tensor.floatToBFloat16(Float(bitPattern: 0x3f80_8001)) == 0x3f81)
    }

    @Test("floatValues reads raw and typed payloads of every float dtype")
    func readAll() throws {
        let m = Fixtures.everyField()
        let g = try #require(m.graph)
        #expect(try g.initializer(named: "W")!.floatValues()[1] == -1.5)
        #expect(try g.initializer(named: "T")!.floatValues() == [1.5, -2.25])
        #expect(try g.initializer(named: "D")!.floatValues() == [0, 3])
        #expect(try g.initializer(named: "H")!.floatValues() == [1, -2])
        #expect(try g.initializer(named: "shape")!.int64Values() == [-1, 12])
        #expect(throws: Tensor.ValueError.self) { try g.initializer(named: "W")!.int64Values() }
    }

    @Test("setFloatValues writes the tensor's own dtype")
    func writeBack() throws {
        var t = Tensor(name: "h", dataType: .float16, dims: [3])
        try t.setFloatValues([1, 0.1, -65504])
        #expect(t.rawData?.count == 6)
        #expect(try t.floatValues() == [1, Tensor.halfToFloat(Tensor.floatToHalf(0.1)), -65504])
        #expect(throws: Tensor.ValueError.self) { try t.setFloatValues([1]) }
    }
}
