import TestSupport
import CABAC
import Foundation
import ONNXIO
@testable import Codec

/// The shared seeded generator, with the weight-like distributions the quantizer tests use.
typealias QuantRandom = TestSupport.SeededRandom

extension TestSupport.SeededRandom {
    /// Standard normal (Box–Muller).
    mutating func gaussian() -> Double {
        let u1 = Double(next() >> 11 | 1) / Double(1 << 53)
        let u2 = Double(next() >> 11) / Double(1 << 53)
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
    /// Laplacian-ish weights of scale `s`, like trained layers.
    mutating func weights(_ n: Int, scale s: Double) -> [Float] {
        (0..<n).map { _ in Float(gaussian() * s * (Double(next() % 4) + 1) / 2) }
    }
}

enum QuantFixtures {
    static let root = URL(fileURLWithPath: TestData.root)

    /// LeNet-300-100's float tensors (name, dimensions, values), in model order.
    static func lenet300() throws -> [(name: String, dims: [Int], values: [Float])] {
        let model = try Model.load(path: root.appendingPathComponent("testdata/lenet300.onnx").path)
        return try model.graph!.initializers.map { t in
            (t.name ?? "", t.dims.map { Int($0) }, try t.floatValues())
        }
    }

    /// Bytes of the real CABAC payload of one tensor coded with `options`.
    static func codedBytes(_ q: QuantizedTensor, rowWidth: Int, options: TensorCodingOptions) throws -> Int {
        var encoder = CABACEncoder()
        try encoder.encodeTensor(q.levels, rowWidth: rowWidth, options: options)
        return encoder.finish().count
    }

    static func meanSquaredError(_ a: [Float], _ b: [Float]) -> Double {
        zip(a, b).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) } / Double(max(1, a.count))
    }
}

/// CPU time of the calling thread in seconds (robust to other processes on shared cores).
func threadCPUTime() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}
