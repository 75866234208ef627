import Testing
import TestSupport
@testable import Tensors

/// `im2col` and `AxisPlan.plan` against a direct definition of a convolution's patches.
@Suite struct Im2colTests {
    /// (input H, W, kernel, strides, dilations, pads [top, left, bottom, right]).
    static let geometries: [([Int], [Int], [Int], [Int], [Int])] = [
        ([5, 7], [3, 3], [1, 1], [1, 1], [1, 1, 1, 1]),
        ([6, 6], [2, 3], [2, 1], [1, 2], [0, 2, 1, 0]),
        ([4, 9], [1, 4], [1, 3], [1, 1], [0, 0, 0, 3]),
        ([8, 5], [3, 2], [3, 2], [2, 1], [2, 1, 0, 1]),
    ]

    @Test(arguments: 0..<4)
    func matchesDirectPatches(_ index: Int) throws {
        let (input, kernel, strides, dilations, pads) = Self.geometries[index]
        let axes = try AxisPlan.plan(input: input, kernel: kernel, strides: strides, dilations: dilations, pads: pads, autoPad: "NOTSET")
        let (h, w) = (axes[0], axes[1])
        let channels = 3, positions = h.output * w.output
        var rng = SeededRandom(seed: UInt64(100 + index))
        let x = (0..<(channels * h.input * w.input)).map { _ in Float.random(in: -1...1, using: &rng) }
        var col = [Float](repeating: .nan, count: channels * h.kernel * w.kernel * positions)
        x.withUnsafeBufferPointer { xp in
            col.withUnsafeMutableBufferPointer { cp in
                im2col(xp.baseAddress!, channels: channels, h, w, cp.baseAddress!, ld: positions)
            }
        }
        for c in 0..<channels { for ki in 0..<h.kernel { for kj in 0..<w.kernel {
            let row = (c * h.kernel + ki) * w.kernel + kj
            for oy in 0..<h.output { for ox in 0..<w.output {
                let iy = oy * h.stride + ki * h.dilation - h.padBegin
                let ix = ox * w.stride + kj * w.dilation - w.padBegin
                let inside = iy >= 0 && iy < h.input && ix >= 0 && ix < w.input
                let expected = inside ? x[(c * h.input + iy) * w.input + ix] : 0
                #expect(col[row * positions + oy * w.output + ox] == expected)
            } }
        } } }
    }

    @Test func samePaddingSplitsTheOddPixel() throws {
        let upper = try AxisPlan.plan(input: [5], kernel: [4], strides: nil, dilations: nil, pads: nil, autoPad: "SAME_UPPER")
        let lower = try AxisPlan.plan(input: [5], kernel: [4], strides: nil, dilations: nil, pads: nil, autoPad: "SAME_LOWER")
        #expect(upper == [AxisPlan(input: 5, kernel: 4, stride: 1, dilation: 1, padBegin: 1, padEnd: 2, output: 5)])
        #expect(lower == [AxisPlan(input: 5, kernel: 4, stride: 1, dilation: 1, padBegin: 2, padEnd: 1, output: 5)])
    }

    @Test func emptyOutputIsRefused() {
        #expect(throws: TensorError.invalidGeometry("output size along spatial axis 0 would be 0")) {
            try AxisPlan.plan(input: [2], kernel: [3], strides: nil, dilations: nil, pads: nil, autoPad: "NOTSET")
        }
        #expect(throws: TensorError.invalidGeometry("unknown auto_pad 'MIDDLE'")) {
            try AxisPlan.plan(input: [4], kernel: [3], strides: nil, dilations: nil, pads: nil, autoPad: "MIDDLE")
        }
    }
}
