import Dispatch
import COpenBLAS

/// How kernels use the CPU cores.
public enum RuntimeThreading {
    /// How Conv spreads a batch over the cores (`.perImage`, the default, measured faster
    /// on the 2-core machine for all test models).
    public enum ConvStrategy: Sendable {
        /// Unfold a chunk of images side by side and run one large GEMM with OpenBLAS's
        /// threads (im2col and scatter split over the cores).
        case batched
        /// Split the images over the cores, one single-threaded GEMM per image.
        case perImage
    }

    /// Cores to use (OpenBLAS's thread count at start-up).
    public static let cores: Int = Int(openblas_get_num_threads())
    /// Largest unfolded (im2col) matrix of the batched strategy, in floats.
    static let im2colBudget = 4 << 20

    /// Runs `body(i)` for i in 0..<n, over the cores when `parallel` is on; with `blas`,
    /// OpenBLAS is single-threaded meanwhile (the items call it).
    static func forEachItem(_ n: Int, parallel: Bool, blas: Bool, _ body: (Int) -> Void) {
        if parallel && n > 1 && cores > 1 {
            if blas { openblas_set_num_threads(1) }
            withoutActuallyEscaping(body) { b in
                // The items write disjoint memory; the closure only lives for this call.
                let s = unsafeBitCast(b, to: (@Sendable (Int) -> Void).self)
                DispatchQueue.concurrentPerform(iterations: n, execute: s)
            }
            if blas { openblas_set_num_threads(Int32(cores)) }
        } else {
            for i in 0..<n { body(i) }
        }
    }
}

/// Geometry of one spatial axis of a convolution or pooling window.
struct AxisPlan {
    var input: Int
    var kernel: Int
    var stride: Int
    var dilation: Int
    var padBegin: Int
    var padEnd: Int
    var output: Int
    static let unit = AxisPlan(input: 1, kernel: 1, stride: 1, dilation: 1, padBegin: 0, padEnd: 0, output: 1)
}

/// Output sizes and pads from auto_pad/pads/strides/dilations (and ceil_mode for pools).
func planAxes(_ ctx: NodeContext, input: [Int], kernel: [Int], ceilMode: Bool = false) throws -> [AxisPlan] {
    let r = input.count
    guard kernel.count == r else { throw ctx.fail("kernel has \(kernel.count) spatial dims, input \(r)") }
    let strides = ctx.ints("strides") ?? [Int](repeating: 1, count: r)
    let dil = ctx.ints("dilations") ?? [Int](repeating: 1, count: r)
    let pads = ctx.ints("pads") ?? [Int](repeating: 0, count: 2 * r)
    guard strides.count == r, dil.count == r, pads.count == 2 * r else {
        throw ctx.fail("strides/dilations/pads do not match \(r) spatial dims")
    }
    let autoPad = ctx.string("auto_pad", "NOTSET")
    var plans: [AxisPlan] = []
    for i in 0..<r {
        let ek = (kernel[i] - 1) * dil[i] + 1
        var p = AxisPlan(input: input[i], kernel: kernel[i], stride: strides[i], dilation: dil[i], padBegin: 0, padEnd: 0, output: 0)
        guard p.stride > 0, p.dilation > 0 else { throw ctx.fail("strides and dilations must be positive") }
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
            throw ctx.fail("unknown auto_pad '\(autoPad)'")
        }
        guard p.output > 0 else { throw ctx.fail("output size along spatial axis \(i) would be \(p.output)") }
        plans.append(p)
    }
    return plans
}

/// 1-D plans widened to 2-D (height 1) so one kernel serves both.
func as2D(_ plans: [AxisPlan], _ ctx: NodeContext) throws -> (AxisPlan, AxisPlan) {
    switch plans.count {
    case 1: return (.unit, plans[0])
    case 2: return (plans[0], plans[1])
    default: throw ctx.fail("\(plans.count)-D spatial input is not supported (1-D and 2-D are)")
    }
}
