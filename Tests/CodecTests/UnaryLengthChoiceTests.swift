import CABAC
import TestSupport
import ONNXIO
import Testing
@testable import Codec

/// The encoder's per-tensor choice of G (`cabac_unary_length_minus1` + 1).
@Suite("Unary length choice")
struct UnaryLengthChoiceTests {
    /// Levels of seeded weight-like values at scale `scale` (in steps).
    static func levels(_ n: Int, scale: Double, seed: UInt64) -> [Int32] {
        var r = QuantRandom(seed: seed)
        return r.weights(n, scale: scale).map { Int32(Double($0).rounded()) }
    }

    /// Payload bytes of `levels` coded as one tensor in rows of `rowWidth` with G flags.
    static func coded(_ levels: [Int32], rowWidth: Int, g: Int, dq: Bool = false) throws -> Int {
        var encoder = CABACEncoder()
        try encoder.encodeTensor(levels, rowWidth: rowWidth,
                                 options: TensorCodingOptions(dependentQuantization: dq, unaryLength: g))
        return encoder.finish().count
    }

    /// Levels of magnitude 500...1500 with random signs: every greater-than flag is 1.
    static func large(_ n: Int, seed: UInt64) -> [Int32] {
        var r = QuantRandom(seed: seed)
        return (0..<n).map { _ in Int32(500 + r.next() % 1001) * (r.next() % 2 == 0 ? 1 : -1) }
    }

    @Test("levels whose flags are all 1 choose G = 1 and code smaller")
    func largeLevels() throws {
        let levels = Self.large(96 * 512, seed: 3)
        #expect(UnaryLengthChoice.best(levels, dependentQuantization: false) == 1)
        #expect(try Self.coded(levels, rowWidth: 512, g: 1) < Self.coded(levels, rowWidth: 512, g: 11))
    }

    @Test("weight-like levels: the choice never codes larger than G = 11", arguments: [300.0, 120.0, 40.0, 6.0, 1.5, 0.4])
    func neverLarger(scale: Double) throws {
        for seed in UInt64(1)...3 {
            let levels = Self.levels(96 * 512, scale: scale, seed: seed)
            let g = UnaryLengthChoice.best(levels, dependentQuantization: false)
            let chosen = try Self.coded(levels, rowWidth: 512, g: g)
            let reference = try Self.coded(levels, rowWidth: 512, g: 11)
            #expect(chosen <= reference, "scale \(scale) seed \(seed): G \(g) \(chosen) bytes, G 11 \(reference)")
        }
    }

    @Test("with DQ the coded index is ⌈|level| / 2⌉: reconstruction levels choose as their indices do")
    func dependentQuantization() throws {
        let indices = Self.large(64 * 512, seed: 7)
        let reconstruction = DependentQuantization.reconstructionLevels(indices: indices)
        #expect(UnaryLengthChoice.best(reconstruction, dependentQuantization: true) == 1)
        #expect(UnaryLengthChoice.best(indices, dependentQuantization: false) == 1)
        let small = DependentQuantization.reconstructionLevels(indices: Self.levels(64 * 512, scale: 1.5, seed: 8))
        #expect(UnaryLengthChoice.best(small, dependentQuantization: true) == 11)
        #expect(try Self.coded(reconstruction, rowWidth: 512, g: 1, dq: true) < Self.coded(reconstruction, rowWidth: 512, g: 11, dq: true))
    }

    @Test("pricing a whole tensor matches the binarizer: the G = 1 / G = 11 cost difference equals the encoder's estimate")
    func pricingMatchesBinarizer() throws {
        for (scale, seed) in [(40.0, UInt64(1)), (3.0, 2), (400.0, 3)] {
            let levels = Self.levels(6000, scale: scale, seed: seed)
            var pricing = UnaryLengthPricing(candidates: [1, 11])
            pricing.firstWarmUp = 0
            let costs = levels.withUnsafeBufferPointer { pricing.price($0, dependentQuantization: false) }
            func estimate(_ g: Int) -> Int64 {
                var contexts = ContextSet(unaryLength: g)
                for i in contexts.models.indices { contexts.models[i] = ContextModel(initSet: UnaryLengthPricing.set) }
                var estimator = BitEstimator(adapts: true)
                var previous: Int32 = 0
                for k in levels {
                    contexts.encodeLevel(k, state: 0, previous: previous, into: &estimator)
                    previous = k
                }
                return Int64(estimator.scaledBits)
            }
            // Significance and sign bins are the same for both G and cancel in the difference.
            #expect(Int64(costs[0]) - Int64(costs[1]) == estimate(1) - estimate(11), "scale \(scale)")
        }
    }

    @Test("a gain below minimumGainBits keeps G = 11 (short tensors); a longer run of the same levels takes 1")
    func shortTensors() {
        #expect(UnaryLengthChoice.best([Int32](repeating: 900, count: 100), dependentQuantization: false) == 11)
        #expect(UnaryLengthChoice.best([Int32](repeating: 900, count: 20000), dependentQuantization: false) == 1)
        #expect(UnaryLengthChoice.best([], dependentQuantization: false) == 11)
    }

    @Test("encode: -q 15 writes G = 1 for LeNet-300's weights and a smaller stream; a fixed G is written as given")
    func modelEncoder() throws {
        let model = try Model.load(path: TestData.root + "/testdata/lenet300.onnx")
        var auto = EncodeOptions(q: 15)
        auto.threads = 2
        var fixed = auto
        fixed.unaryLength = 11
        let a = try ModelEncoder(options: auto).encode(model)
        let f = try ModelEncoder(options: fixed).encode(model)
        func lengths(_ bytes: [UInt8]) throws -> [String: Int] {
            let stream = try NNRBitstream.parse(bytes)
            return Dictionary(uniqueKeysWithValues: stream.units.compactMap { unit in
                if case .compressedData(let ndu) = unit.body { return (ndu.header.tensorName, ndu.header.cabacUnaryLengthMinus1 + 1) }
                return nil
            })
        }
        let chosen = try lengths(a.bytes)
        #expect(chosen["fc1.weight"] == 1)
        #expect(try lengths(f.bytes).values.allSatisfy { $0 == 11 })
        #expect(a.bytes.count < f.bytes.count)
        // Same levels, decoded through the signalled G.
        #expect(try NNRBitstream.parse(a.bytes).tensors.map(\.levels) == NNRBitstream.parse(f.bytes).tensors.map(\.levels))
    }

    @Test("a fixed G outside 1...256 is refused")
    func badUnaryLength() {
        var o = EncodeOptions(q: 15)
        o.unaryLength = 0
        #expect(throws: EncodeError.self) { try o.validate() }
    }
}
