@testable import CABAC
import Foundation
import Testing
@testable import Codec

/// Writes our bitstreams for NNCodec to decode (scripts/check-reverse.sh).
///
/// Runs only when NNC_REVERSE_DIR is set: writes one stream per setting plus the values our
/// decoder reconstructs (raw little-endian .bin) and manifest.json; scripts/check_reverse.py
/// then decodes every stream with NNCodec 2.1.3 and compares bit for bit.
@Suite("NNR reverse-check streams")
struct NNRReverseStreamTests {
    static let directory = ProcessInfo.processInfo.environment["NNC_REVERSE_DIR"]

    /// The nearest level the DQ state allows (Q0: even levels; Q1: odd levels or zero).
    static func nearest(_ t: Double, state: Int) -> Int32 {
        if state & 1 == 0 { return Int32((t / 2).rounded()) * 2 }
        let odd = Int32(((t - 1) / 2).rounded()) * 2 + 1
        return abs(t) < abs(t - Double(odd)) ? 0 : odd
    }

    /// Greedy quantization to valid levels, following the coding order (and, for block scans,
    /// the DQ state jumps of skipped row segments).
    static func quantize(_ w: [Float], qp: Int, dq: Bool, dims: [Int] = [], coding: TensorCodingOptions = .init()) -> [Int32] {
        let delta = Double(NNRQuantization.stepSize(qp: qp, qpDensity: 2))
        let width = dims.dropFirst().reduce(1, *)
        if dq && dims.count > 1 && coding.effectiveScanOrder(count: w.count, rowWidth: width) != 0 {
            let rows = w.count / width
            let zero = coding.rowSkipping ? (0..<rows).map { r in w[(r * width)..<((r + 1) * width)].allSatisfy { $0 == 0 } } : []
            var out = [Int32](repeating: 0, count: w.count)
            BlockScan(count: w.count, width: width, scanOrder: coding.scanOrder).walk(
                rowIsZero: zero, dependentQuantization: true,
                code: { p, state in
                    out[p] = nearest(Double(w[p]) / delta, state: state)
                    return DependentQuantization.index(reconstructionLevel: out[p], state: state)!
                }, blockRowEnd: { _ in })
            return out
        }
        var state = 0
        return w.map { x in
            let t = Double(x) / delta
            guard dq else { return Int32(t.rounded()) }
            let level = nearest(t, state: state)
            let k = DependentQuantization.index(reconstructionLevel: level, state: state)!
            state = DependentQuantization.nextState(state, index: k)
            return level
        }
    }

    static func tensors(seed: UInt64) -> [(String, [Int], [Float])] {
        var s = seed
        func gaussian() -> Float {
            s = s &* 6364136223846793005 &+ 1442695040888963407
            let u1 = Double((s >> 11) | 1) / Double(1 << 53)
            s = s &* 6364136223846793005 &+ 1442695040888963407
            let u2 = Double(s >> 11) / Double(1 << 53)
            return Float((-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
        }
        var fc2 = (0..<(30 * 24)).map { _ in gaussian() * 0.03 }
        for r in stride(from: 0, to: 30, by: 4) { for i in (r * 24)..<((r + 1) * 24) { fc2[i] = 0 } }
        fc2[30] = 1.3
        return [
            ("fc1.weight", [48, 40], (0..<1920).map { _ in gaussian() * 0.05 }),
            ("fc1.bias", [48], (0..<48).map { _ in gaussian() * 0.01 }),
            ("conv1.weight", [8, 3, 3, 3], (0..<216).map { _ in gaussian() * 0.2 }),
            ("fc2.weight", [30, 24], fc2),
        ]
    }

    @Test("write streams for NNCodec to decode", .enabled(if: directory != nil))
    func writeStreams() throws {
        let dir = URL(fileURLWithPath: try #require(Self.directory))
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var manifest: [[String: Any]] = []
        var index = 0
        for qp in [-60, -38, -32, -24] {
            for dq in [false, true] {
                for paramOpt in [false, true] {
                    for rowSkip in [false, true] {
                        for unary in (qp == -38 && dq ? [1, 4, 11] : [11]) {
                            index += 1
                            let coding = TensorCodingOptions(dependentQuantization: dq, unaryLength: unary,
                                                             rowSkipping: rowSkip, optimizeInitialization: paramOpt)
                            var inputs: [NNRTensorInput] = []
                            for (name, dims, w) in Self.tensors(seed: UInt64(index)) {
                                let tqp = dims.count == 1 ? -75 : qp
                                inputs.append(NNRTensorInput(name: name, dimensions: dims,
                                                             data: .quantized(levels: Self.quantize(w, qp: tqp, dq: dq), qp: tqp),
                                                             coding: coding))
                            }
                            inputs.append(NNRTensorInput(name: "steps", dimensions: [3, 4],
                                                         data: .integers([0, 0, 0, 0, 5, -7, 1 << 24, 0, -(1 << 30), 1, 2, 3]),
                                                         coding: coding))
                            if index == 1 {
                                inputs.append(NNRTensorInput(name: "raw", dimensions: [3], data: .rawFloat([1, -0.5, 3e-9])))
                            }
                            let name = "ours_qp\(qp)_dq\(dq ? 1 : 0)_po\(paramOpt ? 1 : 0)_rs\(rowSkip ? 1 : 0)_ul\(unary - 1)"
                            try write(inputs, name: name, dir: dir, manifest: &manifest)
                        }
                    }
                }
            }
        }
        // Block scans with entry points.
        for scan in 1...4 {
            for (dq, rowSkip) in [(false, false), (true, true), (true, false)] {
                let coding = TensorCodingOptions(dependentQuantization: dq, rowSkipping: rowSkip, scanOrder: scan)
                var inputs: [NNRTensorInput] = []
                var all = Self.tensors(seed: UInt64(100 + scan))
                var wide = (0..<(140 * 70)).map { i in Float(sin(Double(i) * 0.71)) * 0.05 }
                for i in (5 * 70)..<(20 * 70) { wide[i] = 0 }
                all.append(("wide.weight", [140, 70], wide))
                for (name, dims, w) in all {
                    let tqp = dims.count == 1 ? -75 : -38
                    inputs.append(NNRTensorInput(name: name, dimensions: dims,
                                                 data: .quantized(levels: Self.quantize(w, qp: tqp, dq: dq, dims: dims, coding: coding), qp: tqp),
                                                 coding: coding))
                }
                inputs.append(NNRTensorInput(name: "table", dimensions: [20, 12],
                                             data: .integers((0..<240).map { Int32($0 % 7 == 0 ? $0 : 0) }), coding: coding))
                try write(inputs, name: "ours_scan\(scan)_dq\(dq ? 1 : 0)_rs\(rowSkip ? 1 : 0)", dir: dir, manifest: &manifest)
            }
        }
        // A unit over 32 KiB.
        let big = (0..<(160 * 256)).map { i in Float(sin(Double(i) * 0.37)) * 0.05 }
        for dq in [false, true] {
            let input = NNRTensorInput(name: "big.weight", dimensions: [160, 256],
                                       data: .quantized(levels: Self.quantize(big, qp: -60, dq: dq), qp: -60),
                                       coding: .init(dependentQuantization: dq))
            try write([input], name: "ours_big_dq\(dq ? 1 : 0)", dir: dir, manifest: &manifest)
        }
        let json = try JSONSerialization.data(withJSONObject: ["streams": manifest], options: [.prettyPrinted, .sortedKeys])
        try json.write(to: dir.appendingPathComponent("manifest.json"))
    }

    func write(_ inputs: [NNRTensorInput], name: String, dir: URL, manifest: inout [[String: Any]]) throws {
        let bytes = try NNRWriter().write(inputs)
        try Data(bytes).write(to: dir.appendingPathComponent("\(name).nnr"))
        let parsed = try NNRBitstream.parse(bytes)
        var tensors: [[String: Any]] = []
        for t in parsed.tensors {
            let file = "\(name).\(t.name).bin"
            try Data(littleEndianBytes(t.values)).write(to: dir.appendingPathComponent(file))
            let dtype: String
            if case .int32 = t.values { dtype = "int32" } else { dtype = "float32" }
            tensors.append(["name": t.name, "shape": t.dimensions, "dtype": dtype, "data": file])
        }
        manifest.append(["file": "\(name).nnr", "tensors": tensors])
    }
}
