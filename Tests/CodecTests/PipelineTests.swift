import Foundation
import Testing
@testable import Codec
import ONNXIO
import TestSupport

private let repoRoot = TestData.root

private func testModel(_ name: String) throws -> Model {
    try Model.load(path: repoRoot + "/testdata/" + name)
}

private let testModels = ["lenet300.onnx", "lenet300_ext.onnx", "lenet5.onnx", "resnet_small.onnx", "concat_dw.onnx", "tiny_bert.onnx"]

@Suite("encode → decode pipeline")
struct PipelineTests {
    @Test("every testdata model round-trips: weights equal dequantized levels, |w − ŵ| ≤ Δ/2, dtypes and shapes kept",
          arguments: testModels, [false, true])
    func roundTrip(_ name: String, dq: Bool) throws {
        let model = try testModel(name)
        var options = EncodeOptions(q: 8)
        options.dependentQuantization = dq
        let (bytes, report) = try ModelEncoder(options: options).encode(model)
        #expect(report.bitstreamBytes == bytes.count)
        let (decoded, dreport) = try ModelDecoder.decode(bytes, source: name)
        #expect(dreport.graphSource == "topology unit")
        let original = model.graph!.initializers
        let restored = decoded.graph!.initializers
        #expect(original.count == restored.count)
        let weightStep = NNRQuantization.stepSize(qp: options.qp, qpDensity: 2)
        let nonWeightStep = NNRQuantization.stepSize(qp: options.nonWeightQp, qpDensity: 2)
        for (o, r) in zip(original, restored) {
            #expect(o.name == r.name)
            #expect(o.dims == r.dims)
            #expect(o.dataType == r.dataType)
            #expect(!r.isExternal)
            let role = report.tensors.first { $0.name == o.name }!.role
            switch role {
            case .weight, .nonWeight:
                let step = role == .weight ? weightStep : nonWeightStep
                let w = try o.floatValues(), v = try r.floatValues()
                for i in w.indices {
                    let level = (v[i] / step).rounded()
                    #expect(Float(level) * step == v[i], "\(o.name!)[\(i)] is not a multiple of Δ")
                    if !dq {
                        #expect(abs(w[i] - v[i]) <= step / 2 * (1 + 1e-6), "\(o.name!)[\(i)] error beyond Δ/2")
                    } else {
                        #expect(abs(w[i] - v[i]) <= step * 2 * (1 + 1e-6), "\(o.name!)[\(i)] DQ error beyond 2Δ")
                    }
                }
            case .integer:
                #expect(try o.int64Values() == r.int64Values())
            default:
                #expect(o.rawData == r.rawData)
            }
        }
        // Everything but the payloads of coded tensors (initializers, Constant values) is unchanged.
        let codedNames = Set(report.tensors.filter { $0.role != .kept }.map(\.name))
        func blanked(_ m: Model) -> Model {
            var m = m
            for lt in m.locatedTensors() where codedNames.contains(lt.tensor.name ?? "") {
                var t = lt.tensor
                t.stripPayload()
                m.setTensor(t, at: lt.location)
            }
            return m
        }
        #expect(blanked(model.inlined()) == blanked(decoded))
    }

    @Test("the stream's reported per-tensor errors match the decoded model")
    func reportedErrors() throws {
        let model = try testModel("lenet5.onnx")
        let (bytes, report) = try ModelEncoder(options: EncodeOptions(q: 6)).encode(model)
        let decoded = try ModelDecoder.decode(bytes, source: "lenet5").model
        for t in report.tensors where t.role == .weight {
            let w = try model.graph!.initializer(named: t.name)!.floatValues()
            let v = try decoded.graph!.initializer(named: t.name)!.floatValues()
            let maxErr = zip(w, v).map { Double(abs($0 - $1)) }.max()!
            #expect(abs(maxErr - t.maxError) < 1e-9)
            #expect(t.maxError <= Double(t.stepSize!) / 2 + 1e-9)
        }
    }

    @Test("every dtype comes back as it was: float16, bfloat16, double quantized; integers and bool exact; strings kept")
    func dtypes() throws {
        var g = Graph(name: "g")
        let t = DTypeFixture.tensor
        let vals = DTypeFixture.values
        g.initializers = [
            try t("h", .float16, [4, 6], vals), try t("b", .bfloat16, [4, 6], vals), try t("d", .double, [2, 12], vals),
            try t("bias16", .float16, [6], Array(vals.prefix(6))),
            Tensor(name: "i64", dataType: .int64, dims: [3], rawData: TensorBytes(elements: [Int64(-5), 7, 1 << 20])),
            Tensor(name: "big64", dataType: .int64, dims: [2], rawData: TensorBytes(elements: [Int64.max, 0])),
            Tensor(name: "i8", dataType: .int8, dims: [2, 2], rawData: TensorBytes(elements: [Int8(-128), 127, 0, 3])),
            Tensor(name: "u8", dataType: .uint8, dims: [3], rawData: TensorBytes(elements: [UInt8(255), 0, 9])),
            Tensor(name: "flag", dataType: .bool, dims: [2], rawData: TensorBytes(elements: [UInt8(1), 0])),
            Tensor(name: "scalar", dataType: .float, dims: [], rawData: TensorBytes(elements: [Float(2.5)])),
            Tensor(name: "empty", dataType: .float, dims: [0, 3], rawData: TensorBytes()),
        ]
        var s = Tensor(name: "names", dataType: .string, dims: [2])
        s.stringData = [Array("a".utf8), Array("bc".utf8)]
        g.initializers.append(s)
        let model = Model(irVersion: 10, opsetImports: [OperatorSetID(domain: "", version: 21)], graph: g)
        let (bytes, report) = try ModelEncoder(options: EncodeOptions(q: 10)).encode(model)
        let roles = Dictionary(uniqueKeysWithValues: report.tensors.map { ($0.name, $0.role) })
        #expect(roles["h"] == .weight && roles["d"] == .weight && roles["bias16"] == .nonWeight)
        #expect(roles["i64"] == .integer && roles["big64"] == .kept && roles["flag"] == .integer && roles["names"] == .kept)
        let decoded = try ModelDecoder.decode(bytes, source: "dtypes").model.graph!
        for o in g.initializers {
            let r = try #require(decoded.initializer(named: o.name!))
            #expect(r.dataType == o.dataType, "\(o.name!)")
            #expect(r.dims == o.dims, "\(o.name!)")
            if o.dataType.isFloatingPoint, o.elementCount > 0 {
                let a = try o.floatValues(), b = try r.floatValues()
                let tol: Float = o.dims.count >= 2 ? 0x1p-11 : 0x1p-18
                for i in a.indices {
                    // quantized in float32, then rounded to the tensor's own dtype
                    let slack: Float = o.dataType == .bfloat16 ? abs(a[i]) * 0x1p-8 : o.dataType == .float16 ? abs(a[i]) * 0x1p-11 : 0
                    #expect(abs(a[i] - b[i]) <= tol + slack + 1e-7, "\(o.name!)[\(i)]")
                }
            } else if o.dataType != .string && o.dataType != .float {
                #expect(try o.int64Values() == r.int64Values(), "\(o.name!)")
            } else {
                #expect(o.stringData == r.stringData && o.rawData == r.rawData, "\(o.name!)")
            }
        }
    }

    @Test("--lossless-nonweights stores 1-D tensors exactly")
    func losslessNonWeights() throws {
        let model = try testModel("resnet_small.onnx")
        var options = EncodeOptions(q: 8)
        options.losslessNonWeights = true
        let decoded = try ModelDecoder.decode(try ModelEncoder(options: options).encode(model).bytes, source: "r").model
        for t in model.graph!.initializers where t.dims.count == 1 {
            #expect(decoded.graph!.initializer(named: t.name!)!.rawData == t.rawData, "\(t.name!)")
        }
    }

    @Test("a stream without topology needs the original model, and decodes with it")
    func noTopology() throws {
        let model = try testModel("lenet300.onnx")
        var options = EncodeOptions(q: 8)
        options.carryTopology = false
        let bytes = try ModelEncoder(options: options).encode(model).bytes
        let e = #expect(throws: DecodeError.self) { try ModelDecoder.decode(bytes, source: "x.nnc") }
        if case .missingGraph? = e?.kind {} else { Issue.record("kind \(String(describing: e?.kind)), expected missingGraph") }
        #expect(e?.description == "x.nnc: the bitstream carries no ONNX graph (written without a topology unit, or by NNCodec); decoding it needs the original model")
        let withTopology = try ModelEncoder(options: EncodeOptions(q: 8)).encode(model).bytes
        let a = try ModelDecoder.decode(bytes, source: "x", graph: model).model
        let b = try ModelDecoder.decode(withTopology, source: "y").model
        #expect(a.graph!.initializers.map(\.rawData) == b.graph!.initializers.map(\.rawData))
    }

    @Test("single-threaded and parallel encodes are byte-identical")
    func threads() throws {
        let model = try testModel("lenet5.onnx")
        var one = EncodeOptions(q: 8); one.threads = 1
        var two = EncodeOptions(q: 8); two.threads = 2
        #expect(try ModelEncoder(options: one).encode(model).bytes == ModelEncoder(options: two).encode(model).bytes)
    }

    @Test("settings outside what the stream can express are refused with a reason")
    func badOptions() {
        var o = EncodeOptions(q: 2)
        o.nonWeightQp = -200
        #expect(throws: EncodeError.self) { try o.validate() }
        o = EncodeOptions(); o.qpDensity = 9
        #expect(throws: EncodeError.self) { try o.validate() }
    }
}

@Suite("corrupt bitstreams")
struct CorruptStreamTests {
    let stream: [UInt8] = {
        let model = try! Model.load(path: repoRoot + "/testdata/concat_dw.onnx")
        return try! ModelEncoder(options: EncodeOptions(q: 8)).encode(model).bytes
    }()

    @Test("truncated at every unit boundary and at random offsets: a DecodeError naming the source")
    func truncated() throws {
        var boundaries: [Int] = []
        var offset = 0
        _ = try NNRBitstream.decode(stream) { _, size in boundaries.append(size) }
        // unit sizes: walk the stream's size fields
        var cuts = Set<Int>([1, 2, 3])
        var rng = SeededRandom(seed: 60)
        for _ in 0..<60 { cuts.insert(Int.random(in: 1..<stream.count, using: &rng)) }
        for size in boundaries { offset += size; cuts.insert(stream.count - offset) }
        for cut in cuts where cut > 0 && cut < stream.count {
            let e = #expect(throws: DecodeError.self, "cut at \(cut)") {
                try ModelDecoder.decode(Array(stream.prefix(cut)), source: "t.nnc")
            }
            #expect(e?.description.hasPrefix("t.nnc") == true)
        }
    }

    @Test("trailing garbage and flipped bits never crash")
    func flipped() {
        #expect(throws: DecodeError.self) { try ModelDecoder.decode(stream + [0x42, 0x00, 0x17], source: "g.nnc") }
        var rng = SeededRandom(seed: 300)
        for _ in 0..<300 {
            var b = stream
            let i = Int.random(in: 0..<b.count, using: &rng)
            b[i] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
            do { _ = try ModelDecoder.decode(b, source: "f.nnc") } catch {
                #expect(!"\(error)".isEmpty)
            }
        }
    }
}
