import Dispatch
import Foundation
import COpenBLAS

/// How kernels use the CPU cores.
///
/// OpenBLAS runs single-threaded: every kernel splits its own work into one contiguous
/// chunk per core (`chunks`), so OpenBLAS's spinning worker threads never compete with
/// ours (that contention cost 2–10× on a loaded 2-core machine).
public enum RuntimeThreading {
    /// How Conv spreads a batch over the cores. Both now split the images into one chunk
    /// per core; `.batched` unfolds as many images side by side as the scratch budget
    /// allows (larger GEMMs), `.perImage` only as many as keep a GEMM ≥ 256 columns wide.
    public enum ConvStrategy: Sendable {
        /// Unfold many images side by side and run larger GEMMs.
        case batched
        /// Unfold images one by one (or a few, for small feature maps).
        case perImage
    }

    /// Cores to use: OpenBLAS's thread count at start-up (OPENBLAS_NUM_THREADS or the
    /// CPU count), read once; OpenBLAS itself is then set to one thread.
    public static let cores: Int = {
        let n = max(1, Int(openblas_get_num_threads()))
        openblas_set_num_threads(1)
        return n
    }()
    /// Largest unfolded (im2col) matrix per thread of the batched strategy, in floats.
    static let im2colBudget = 4 << 20

    /// Runs `body(i)` for i in 0..<n, over the cores when `parallel` is on (items are
    /// grouped into one contiguous chunk per core).
    static func forEachItem(_ n: Int, parallel: Bool, blas: Bool = false, _ body: (Int) -> Void) {
        chunks(n, parallel: parallel) { r in for i in r { body(i) } }
    }

    /// Contiguous ranges per core `chunks` aims at: more than one, so that a thread the
    /// scheduler delays (a loaded machine) holds up little work; the others take the rest.
    static let piecesPerCore = 4

    /// Splits 0..<n into up to `piecesPerCore × cores` contiguous ranges of at least
    /// `minChunk` items and runs `body` on each, concurrently when `parallel` is on.
    static func chunks(_ n: Int, parallel: Bool, minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        if n <= 0 { return }
        let k = parallel && cores > 1 ? min(cores * piecesPerCore, max(1, n / max(1, minChunk))) : 1
        if k <= 1 { body(0..<n); return }
        withoutActuallyEscaping(body) { b in
            // The chunks write disjoint memory; the closure only lives for this call.
            let s = unsafeBitCast(b, to: (@Sendable (Range<Int>) -> Void).self)
            DispatchQueue.concurrentPerform(iterations: k) { c in
                s((c * n / k)..<((c + 1) * n / k))
            }
        }
    }
}

/// Reusable scratch buffers (im2col, GEMM staging): kept between runs so large buffers
/// are not page-faulted in again on every call.
final class ScratchPool: @unchecked Sendable {
    static let shared = ScratchPool()
    private let lock = NSLock()
    private var free: [(UnsafeMutablePointer<Float>, Int)] = []
    /// Total floats kept in the free list at most (larger returns are released).
    private let keepLimit = 16 << 20

    /// Calls `body` with a buffer of at least `count` floats (uninitialised).
    func with<R>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        let n = max(count, 1)
        lock.lock()
        var buf: (UnsafeMutablePointer<Float>, Int)? = nil
        if let i = free.indices.filter({ free[$0].1 >= n }).min(by: { free[$0].1 < free[$1].1 }) {
            buf = free.remove(at: i)
        }
        lock.unlock()
        let b = buf ?? (UnsafeMutablePointer<Float>.allocate(capacity: n), n)
        defer {
            lock.lock()
            free.append(b)
            var total = free.reduce(0) { $0 + $1.1 }
            while total > keepLimit, let j = free.indices.min(by: { free[$0].1 < free[$1].1 }) {
                total -= free[j].1
                free[j].0.deallocate()
                free.remove(at: j)
            }
            lock.unlock()
        }
        return try body(b.0)
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
