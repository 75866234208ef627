import Codec
import ONNXIO

/// `fuzz-encode-roundtrip`, a differential target: fuzzer bytes become encoder settings and a
/// small model (a 2-D weight and a 1-D bias), which is encoded, decoded, and compared value by
/// value against the error bound each quantizer states.
///
/// Bounds (Δ the tensor's step as decoded, ŵ the decoded value, plus 2^−22·|ŵ| of float32
/// rounding): λ = 0 uniform Δ/2 (`UniformQuantizer`); λ = 0 with DQ 2Δ
/// (`DependentQuantizer`); λ > 0 max(4Δ, |w|) (`RDOQuantizer`, `DependentQuantizer`).
enum EncodeRoundtripTarget {
    static func run(_ bytes: [UInt8]) throws(FuzzFinding) {
        var input = FuzzInput(bytes)
        let options = settings(&input)
        let rows = input.int(in: 1...16), cols = input.int(in: 1...16)
        let weight = values(&input, count: rows * cols)
        let bias = values(&input, count: cols)
        var g = Graph(name: "fuzz")
        g.initializers = [Tensor(name: "w", dims: [Int64(rows), Int64(cols)], floats: weight),
                          Tensor(name: "b", dims: [Int64(cols)], floats: bias)]
        let model = Model(irVersion: 10, opsetImports: [OperatorSetID(domain: "", version: 21)], graph: g)
        // Settings the encoder refuses (a step no float32 can hold, …) end the run cleanly.
        guard let encoded = try? ModelEncoder(options: options).encode(model).bytes else { return }
        let stream: NNRBitstream
        do { stream = try NNRBitstream.parse(encoded) } catch {
            throw FuzzFinding(.encodeRoundtrip, "our own stream does not parse: \(error)")
        }
        let decoded: Model
        do { decoded = try ModelDecoder.decode(encoded, source: "roundtrip", threads: 1).model } catch {
            throw FuzzFinding(.encodeRoundtrip, "our own stream does not decode: \(error)")
        }
        for (name, original) in [("w", weight), ("b", bias)] {
            guard let coded = stream.tensors.first(where: { $0.name == name }),
                  let restored = try? decoded.graph?.initializer(named: name)?.floatValues(),
                  restored.count == original.count else {
                throw FuzzFinding(.encodeRoundtrip, "tensor '\(name)' did not come back")
            }
            if coded.payloadType == .rawFloat {
                // Stored exactly (a level would overflow at this step): every bit comes back.
                guard restored.map(\.bitPattern) == original.map(\.bitPattern) else {
                    throw FuzzFinding(.encodeRoundtrip, "tensor '\(name)' stored exactly came back changed")
                }
                continue
            }
            guard let step = coded.stepSize else {
                throw FuzzFinding(.encodeRoundtrip, "tensor '\(name)' was quantized but carries no step")
            }
            try compare(name, original, restored, step: Double(step), options: options)
        }
    }

    static func compare(_ name: String, _ w: [Float], _ r: [Float], step: Double, options: EncodeOptions) throws(FuzzFinding) {
        for i in w.indices {
            let a = Double(w[i]), b = Double(r[i])
            let bound: Double
            if options.lambda > 0 { bound = max(4 * step, abs(a)) }
            else { bound = options.dependentQuantization ? 2 * step : step / 2 }
            guard abs(a - b) <= bound + abs(b) * 0x1p-22 else {
                throw FuzzFinding(.encodeRoundtrip, "\(name)[\(i)] = \(w[i]) came back as \(r[i]), beyond \(bound) (Δ \(step), \(options))")
            }
        }
    }

    static func settings(_ input: inout FuzzInput) -> EncodeOptions {
        var o = EncodeOptions()
        o.qpDensity = input.int(in: 0...7)
        o.qp = input.int(in: -200...60)
        let spread = (1 << (5 + o.qpDensity)) - 1
        o.nonWeightQp = o.qp + input.int(in: -spread...spread)
        o.dependentQuantization = input.bool()
        o.lambda = [0, 0, 0.001, 0.1, 1][input.int(in: 0...4)]
        o.rowSkipping = input.bool()
        o.optimizeInitialization = input.bool()
        let g = input.int(in: 0...20)
        o.unaryLength = g == 0 ? nil : g   // 0: chosen per tensor, the default
        o.carryTopology = true
        o.threads = 1
        return o
    }

    /// Finite float32 values: raw bit patterns (non-finite ones become 0) or small multiples.
    static func values(_ input: inout FuzzInput, count: Int) -> [Float] {
        (0..<count).map { _ in
            let tag = input.byte()
            if tag & 0x80 != 0 {
                let f = Float(bitPattern: input.u32())
                return f.isFinite ? f : 0
            }
            return Float(Int8(bitPattern: tag << 1)) * 0.0625
        }
    }
}
