import CABAC
import Foundation
import Testing
@testable import Codec

@Suite("Quant: step size and reconstruction")
struct QuantStepTests {
    @Test("Δ = (1 + (qp mod 2^d)/2^d) · 2^⌊qp/2^d⌋, the values in nnr-notes")
    func knownSteps() throws {
        #expect(try #require(QuantStep(qp: -60)).size == 0x1p-15)
        #expect(try #require(QuantStep(qp: -32)).size == 0x1p-8)
        #expect(try #require(QuantStep(qp: -38)).size == 1.5 * 0x1p-10)
        #expect(try #require(QuantStep(qp: -37)).size == 1.75 * 0x1p-10)
        #expect(try #require(QuantStep(qp: 0, qpDensity: 0)).size == 1)
    }

    @Test("Δ is exact and equals the decoder's step for every density 0...7")
    func matchesDecoderStep() throws {
        for d in 0...7 {
            let k = 1 << d
            for qp in stride(from: -100 * k, through: 40 * k, by: max(1, k / 4)) {
                let step = try #require(QuantStep(qp: qp, qpDensity: d), "qp \(qp) d \(d)")
                #expect(step.size == NNRQuantization.stepSize(qp: qp, qpDensity: d))
                let floorDiv = Int((Double(qp) / Double(k)).rounded(.down))
                let mod = qp - floorDiv * k
                let exact = (1 + Double(mod) / Double(k)) * pow(2.0, Double(floorDiv))
                #expect(Double(step.size) == exact, "qp \(qp) d \(d)")
            }
        }
    }

    @Test("-q N means step 2^−N: qp = −N·2^d at every density")
    func powerOfTwoConvention() throws {
        for d in 0...7 {
            for n in -8...40 {
                let step = try #require(QuantStep(powerOfTwo: n, qpDensity: d))
                #expect(step.qp == -n << d)
                #expect(step.size == Float(sign: .plus, exponent: -n, significand: 1))
            }
        }
    }

    @Test("invalid densities and steps are refused")
    func invalid() {
        #expect(QuantStep(qp: 0, qpDensity: 8) == nil)
        #expect(QuantStep(qp: 0, qpDensity: -1) == nil)
        #expect(QuantStep(qp: -127 * 4, qpDensity: 2) == nil)   // 2^-127 is subnormal
        #expect(QuantStep(qp: -126 * 4, qpDensity: 2) != nil)
        #expect(QuantStep(qp: 64 * 4, qpDensity: 2) == nil)
        #expect(QuantStep(qp: Int.min, qpDensity: 2) == nil)
    }

    @Test("smallestQP raises qp until the largest weight fits")
    func smallestQP() throws {
        #expect(QuantStep.smallestQP(atLeast: -38, maxMagnitude: 1) == -38)
        let qp = try #require(QuantStep.smallestQP(atLeast: -200, maxMagnitude: 1000))
        let step = try #require(QuantStep(qp: qp))
        #expect(1000 / Double(step.size) <= QuantStep.maxScaledMagnitude)
        #expect(1000 / Double(QuantStep(qp: qp - 1)!.size) > QuantStep.maxScaledMagnitude)
        #expect(QuantStep.smallestQP(atLeast: -38, maxMagnitude: .infinity) == nil)
    }

    @Test("reconstruction equals NNCodec's decoded values bit for bit (DQ and plain streams)",
          arguments: NNCFixtureManifest.streams)
    func reconstructionMatchesNNCodec(_ stream: NNCFixtureManifest.Stream) throws {
        let bitstream = try NNRBitstream.parse(try NNCFixtureManifest.bytes(stream.file))
        for tensor in bitstream.tensors where tensor.payloadType == .float {
            let expected = try #require(stream.tensors.first { $0.name == tensor.name })
            let qp = try #require(tensor.qp), density = try #require(tensor.qpDensity)
            let step = try #require(QuantStep(qp: qp, qpDensity: density))
            let q = QuantizedTensor(levels: tensor.levels, step: step, dependentQuantization: tensor.dependentQuantization)
            let ours = littleEndianBytes(.float32(q.reconstructed()))
            if let file = expected.data {
                let diff = firstDifference(ours, try NNCFixtureManifest.bytes(file), dtype: "float32")
                #expect(diff == nil, "\(stream.file) \(tensor.name): \(diff ?? "")")
            }
            #expect(fnv1a64(ours) == expected.fnv1a64, "\(stream.file) \(tensor.name)")
            if tensor.dependentQuantization && (stream.settings.scan_order ?? 0) == 0 {
                // The levels are trellis levels along raster order (block scans walk the
                // trellis in another order, so the raster check does not apply to them).
                #expect(DependentQuantization.indices(reconstructionLevels: tensor.levels) != nil)
            }
        }
    }

    @Test("the fixtures include DQ streams with odd (Q1) reconstruction levels")
    func fixturesCoverDQ() throws {
        var odd = 0
        for stream in NNCFixtureManifest.streams where stream.settings.use_dq != 0 {
            let bitstream = try NNRBitstream.parse(try NNCFixtureManifest.bytes(stream.file))
            for t in bitstream.tensors where t.dependentQuantization { odd += t.levels.filter { $0 & 1 != 0 }.count }
        }
        #expect(odd > 100)
    }
}
