import CABAC
import Foundation
import Testing
@testable import Codec

@Suite("Quant: dependent quantization")
struct QuantDQTests {
    struct RoundTripCase: CustomTestStringConvertible, Sendable {
        var qp: Int
        var lambdaScale: Double
        var unaryLength: Int
        var rowSkipping: Bool
        var optimizeInitialization: Bool
        var testDescription: String {
            "qp \(qp) λs \(lambdaScale) G \(unaryLength) rowskip \(rowSkipping) paramopt \(optimizeInitialization)"
        }
    }

    static let roundTripCases: [RoundTripCase] = {
        var cases: [RoundTripCase] = []
        for qp in [-60, -38, -24] {
            for lambdaScale in [0.0, 1.0] {
                for (g, rs, po) in [(11, false, true), (11, true, true), (1, true, false), (32, false, false)] {
                    cases.append(RoundTripCase(qp: qp, lambdaScale: lambdaScale, unaryLength: g, rowSkipping: rs,
                                               optimizeInitialization: po))
                }
            }
        }
        return cases
    }()

    /// Heavy-tailed weights with all-zero rows (every third) and a few all-zero-after-quantization rows.
    static func tensor(seed: UInt64, rows: Int, width: Int) -> [Float] {
        var rng = QuantRandom(seed: seed)
        var w = rng.weights(rows * width, scale: 0.02)
        for r in stride(from: 0, to: rows, by: 3) { for c in 0..<width { w[r * width + c] = 0 } }
        for c in 0..<width { w[width + c] = Float(rng.gaussian() * 1e-7) }   // row 1: tiny, quantizes to 0
        w[2 * width + 1] = 3.5
        w[5 * width + 2] = -7.25
        return w
    }

    @Test("encode → decode through the real CABAC coder gives back our levels; reconstruction bit-exact",
          arguments: roundTripCases)
    func roundTrip(_ c: RoundTripCase) throws {
        let rows = 40, width = 37
        let w = Self.tensor(seed: UInt64(c.qp + 100), rows: rows, width: width)
        let step = try #require(QuantStep(qp: c.qp))
        let q = try DependentQuantizer(step: step, lambdaScale: c.lambdaScale, unaryLength: c.unaryLength,
                                       rateRefreshInterval: 64).quantize(w)
        #expect(q.dependentQuantization)
        #expect(DependentQuantization.indices(reconstructionLevels: q.levels) != nil, "not a trellis path")
        let options = TensorCodingOptions(dependentQuantization: true, unaryLength: c.unaryLength,
                                          rowSkipping: c.rowSkipping, optimizeInitialization: c.optimizeInitialization)
        var encoder = CABACEncoder()
        try encoder.encodeTensor(q.levels, rowWidth: width, options: options)
        var bytes = encoder.finish()
        bytes += [0xA5, 0x5A]   // trailing garbage must not matter to the tensor
        var decoder = CABACDecoder(bytes: bytes)
        let decoded = try decoder.decodeTensor(count: w.count, rowWidth: width, options: options)
        #expect(decoded == q.levels)
        let decodedValues = QuantizedTensor(levels: decoded, step: step, dependentQuantization: true).reconstructed()
        #expect(decodedValues.map(\.bitPattern) == q.reconstructed().map(\.bitPattern))

        // And through a whole NNR stream.
        let stream = try NNRWriter().write([NNRTensorInput(name: "w", dimensions: [rows, width],
                                                            data: .quantized(levels: q.levels, qp: c.qp), coding: options)])
        let parsed = try NNRBitstream.parse(stream)
        #expect(parsed.tensors.first?.values == .float32(q.reconstructed()))
    }

    @Test("zeros: all-zero tensors and rows stay zero and the trellis still advances")
    func zeros() throws {
        let step = try #require(QuantStep(qp: -38))
        for lambdaScale in [0.0, 2.0] {
            let dq = DependentQuantizer(step: step, lambdaScale: lambdaScale)
            #expect(try dq.quantize([Float](repeating: 0, count: 1000)).levels.allSatisfy { $0 == 0 })
            #expect(try dq.quantize([]).levels.isEmpty)
            #expect(try dq.quantize([-0.0]).levels == [0])
            // One non-zero weight after a zero run: it lands in state 0 (zeros keep state 0).
            var w = [Float](repeating: 0, count: 64)
            w.append(10 * step.size)
            let levels = try dq.quantize(w).levels
            #expect(levels.last == 10)
        }
    }

    @Test("error bounds: |w − ŵ| ≤ 2Δ at λ = 0, ≤ max(4Δ, |w|) at λ > 0 (plus float32 rounding)")
    func errorBound() throws {
        var rng = QuantRandom(seed: 31)
        for qp in [-60, -38, -37, -20] {
            let step = try #require(QuantStep(qp: qp))
            let delta = Double(step.size)
            var w = rng.weights(20_000, scale: 0.03)
            w += (0..<2000).map { _ in Float(Double(rng.next() % 4000) / 1000 * delta) * (rng.next() % 2 == 0 ? 1 : -1) }
            w += [0, -0.0, Float(1e6 * delta), -Float(3.5 * delta)]
            for lambdaScale in [0.0, 4.0] {
                let q = try DependentQuantizer(step: step, lambdaScale: lambdaScale).quantize(w)
                let rec = q.reconstructed()
                for i in w.indices {
                    let err = abs(Double(w[i]) - Double(rec[i]))
                    let bound = lambdaScale == 0 ? 2 * delta : max(4 * delta, Double(w[i].magnitude))
                    #expect(err <= bound + 0x1p-24 * Double(rec[i].magnitude), "w \(w[i]) level \(q.levels[i]) at \(step)")
                }
            }
        }
    }

    @Test("λ = 0 finds the least squared error over all trellis paths (brute force)")
    func optimality() throws {
        var rng = QuantRandom(seed: 21)
        let step = try #require(QuantStep(qp: -38))
        let delta = Double(step.size)
        for _ in 0..<30 {
            let n = 6
            let w = (0..<n).map { _ in Float((Double(rng.next() % 1000) / 1000 * 6 - 3) * delta) }
            let ours = try DependentQuantizer(step: step).quantize(w).levels
            func distortion(_ levels: [Int32]) -> Double {
                zip(w, levels).reduce(0) { $0 + pow(Double($1.0) / delta - Double($1.1), 2) }
            }
            // All index sequences with |k| ≤ 3, depth first.
            func search(_ i: Int, _ state: Int, _ sum: Double) -> Double {
                if i == n { return sum }
                var best = Double.infinity
                for k: Int32 in -3...3 {
                    let r = DependentQuantization.reconstructionLevel(index: k, state: state)
                    let e = Double(w[i]) / delta - Double(r)
                    best = min(best, search(i + 1, DependentQuantization.nextState(state, index: k), sum + e * e))
                }
                return best
            }
            let best = search(0, 0, 0)
            #expect(abs(distortion(ours) - best) <= 1e-9, "w \(w): ours \(ours)")
        }
    }

    @Test("at equal Δ: DQ's error vs plain rounding, and its bits per parameter at equal error (LeNet-300)")
    func dqVersusUniform() throws {
        let weights = try QuantFixtures.lenet300().filter { $0.dims.count == 2 }
        let parameters = weights.reduce(0) { $0 + $1.values.count }
        func measure(_ quantizer: (Int, [Float]) throws -> QuantizedTensor, qp: Int) throws -> (bits: Double, mse: Double) {
            var bytes = 0, se = 0.0
            for t in weights {
                let q = try quantizer(qp, t.values)
                bytes += try QuantFixtures.codedBytes(q, rowWidth: t.dims[1],
                                                      options: TensorCodingOptions(dependentQuantization: q.dependentQuantization))
                se += QuantFixtures.meanSquaredError(t.values, q.reconstructed()) * Double(t.values.count)
            }
            return (8 * Double(bytes) / Double(parameters), se / Double(parameters))
        }
        let dq = try measure({ try DependentQuantizer(step: QuantStep(qp: $0)!).quantize($1) }, qp: -38)
        let plain = try measure({ try UniformQuantizer(step: QuantStep(qp: $0)!).quantize($1) }, qp: -38)
        // Same Δ: DQ's quantizers have spacing 2Δ, so its error is larger (≈3×) and its rate lower.
        #expect(dq.mse > 2 * plain.mse && dq.mse < 4 * plain.mse)
        #expect(dq.bits < plain.bits - 0.8)
        // Equal error: plain rounding on a fine qp grid (density 4) around DQ's error, interpolated
        // in log(error).
        var curve: [(bits: Double, mse: Double)] = []
        for qp in stride(from: -152 + 10, through: -152 + 16, by: 2) {
            curve.append(try measure({ try UniformQuantizer(step: QuantStep(qp: $0, qpDensity: 4)!).quantize($1) }, qp: qp))
        }
        let j = try #require(curve.indices.dropLast().first { curve[$0].mse <= dq.mse && curve[$0 + 1].mse >= dq.mse },
                             "DQ error \(dq.mse) outside \(curve)")
        let t = log(dq.mse / curve[j].mse) / log(curve[j + 1].mse / curve[j].mse)
        let plainBits = curve[j].bits + t * (curve[j + 1].bits - curve[j].bits)
        let saving = plainBits - dq.bits
        print("QUANT_DQ LeNet-300 weights qp -38: DQ \(dq.bits) bit/param MSE \(dq.mse); plain same Δ \(plain.bits) " +
              "bit/param MSE \(plain.mse); plain at DQ's error \(plainBits) bit/param; saving \(saving) bit/param")
        #expect(saving > 0.1)
    }

    @Test("λ = 0 at qp −38 reproduces NNCodec's LeNet-300 levels and stream exactly")
    func nnCodecDefault() throws {
        try QuantNNCodecComparison.check(dq: true, lambdaScale: 0, exactLevels: true)
    }

    @Test("λ = 1 on LeNet-300: within 0.5% of NNCodec's size at no more than 1% more error")
    func nnCodecLambdaOne() throws {
        try QuantNNCodecComparison.check(dq: true, lambdaScale: 1, exactLevels: false)
    }

    /// The measurements behind `DependentQuantizer`'s default refresh settings.
    @Test("rate refresh settings: J and time on LeNet-300 at λs 1 (release, NNCODEC_BENCH=1)",
          .enabled(if: ProcessInfo.processInfo.environment["NNCODEC_BENCH"] == "1"))
    func refreshSettings() throws {
        let weights = try QuantFixtures.lenet300().filter { $0.dims.count == 2 }
        let step = try #require(QuantStep(qp: -38))
        let lambda = RateDistortion.dependentLambda(lambdaScale: 1)
        for (interval, window) in [(256, Int.max), (1024, 1024), (4096, 1024), (4096, 4096), (1 << 30, 1)] {
            var bytes = 0, se = 0.0, time = 0.0
            for t in weights {
                let dq = DependentQuantizer(step: step, lambdaScale: 1, rateRefreshInterval: interval,
                                            contextTrackingWindow: window)
                let t0 = threadCPUTime()
                let q = try dq.quantize(t.values)
                time += threadCPUTime() - t0
                bytes += try QuantFixtures.codedBytes(q, rowWidth: t.dims[1], options: TensorCodingOptions(dependentQuantization: true))
                se += QuantFixtures.meanSquaredError(t.values, q.reconstructed()) * Double(t.values.count)
            }
            let d = se / Double(step.size * step.size)
            print("NNCODEC_BENCH refresh \(interval) window \(window): \(bytes) bytes, D \(d) Δ², J \(d + lambda * Double(8 * bytes)), " +
                  "\(time) s CPU")
        }
    }
}
