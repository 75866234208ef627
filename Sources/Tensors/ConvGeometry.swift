/// Geometry of one spatial axis of a convolution or pooling window.
package struct AxisPlan: Sendable, Equatable {
    package var input: Int
    package var kernel: Int
    package var stride: Int
    package var dilation: Int
    package var padBegin: Int
    package var padEnd: Int
    package var output: Int

    package init(input: Int, kernel: Int, stride: Int, dilation: Int, padBegin: Int, padEnd: Int, output: Int) {
        self.input = input
        self.kernel = kernel
        self.stride = stride
        self.dilation = dilation
        self.padBegin = padBegin
        self.padEnd = padEnd
        self.output = output
    }

    package static let unit = AxisPlan(input: 1, kernel: 1, stride: 1, dilation: 1, padBegin: 0, padEnd: 0, output: 1)

    /// The axes of a window from ONNX's attributes: output sizes and pads from `auto_pad`
    /// (NOTSET, VALID, SAME_UPPER, SAME_LOWER), `pads` (begins then ends), `strides`,
    /// `dilations` and, for pools, `ceil_mode`. nil attributes take ONNX's defaults.
    package static func plan(input: [Int], kernel: [Int], strides: [Int]?, dilations: [Int]?, pads: [Int]?,
                             autoPad: String, ceilMode: Bool = false) throws(TensorError) -> [AxisPlan] {
        let r = input.count
        guard kernel.count == r else { throw .invalidGeometry("kernel has \(kernel.count) spatial dims, input \(r)") }
        let strides = strides ?? [Int](repeating: 1, count: r)
        let dil = dilations ?? [Int](repeating: 1, count: r)
        let pads = pads ?? [Int](repeating: 0, count: 2 * r)
        guard strides.count == r, dil.count == r, pads.count == 2 * r else {
            throw .invalidGeometry("strides/dilations/pads do not match \(r) spatial dims")
        }
        var plans: [AxisPlan] = []
        for i in 0..<r {
            let ek = (kernel[i] - 1) * dil[i] + 1
            var p = AxisPlan(input: input[i], kernel: kernel[i], stride: strides[i], dilation: dil[i], padBegin: 0, padEnd: 0, output: 0)
            guard p.stride > 0, p.dilation > 0 else { throw .invalidGeometry("strides and dilations must be positive") }
            switch autoPad {
            case "NOTSET", "":
                p.padBegin = pads[i]; p.padEnd = pads[i + r]
                let span = p.input + p.padBegin + p.padEnd - ek
                if ceilMode {
                    p.output = (span + p.stride - 1) / p.stride + 1
                    // The last window must start inside the input or the left padding.
                    if (p.output - 1) * p.stride >= p.input + p.padBegin { p.output -= 1 }
                } else {
                    p.output = span >= 0 ? span / p.stride + 1 : 0
                }
            case "VALID":
                let span = p.input - ek
                p.output = ceilMode ? (span + p.stride - 1) / p.stride + 1 : span / p.stride + 1
                if span < 0 { p.output = 0 }
            case "SAME_UPPER", "SAME_LOWER":
                p.output = (p.input + p.stride - 1) / p.stride
                let total = max(0, (p.output - 1) * p.stride + ek - p.input)
                p.padBegin = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2
                p.padEnd = total - p.padBegin
            default:
                throw .invalidGeometry("unknown auto_pad '\(autoPad)'")
            }
            guard p.output > 0 else { throw .invalidGeometry("output size along spatial axis \(i) would be \(p.output)") }
            plans.append(p)
        }
        return plans
    }
}
