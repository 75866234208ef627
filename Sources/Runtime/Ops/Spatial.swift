import Dispatch
import Foundation

extension CPUThreading {
    /// How Conv spreads a batch over the cores. Both now split the images into one chunk
    /// per core; `.batched` unfolds as many images side by side as the scratch budget
    /// allows (larger GEMMs), `.perImage` only as many as keep a GEMM ≥ 256 columns wide.
    public enum ConvStrategy: Sendable {
        /// Unfold many images side by side and run larger GEMMs.
        case batched
        /// Unfold images one by one (or a few, for small feature maps).
        case perImage
    }

    /// Largest unfolded (im2col) matrix per thread of the batched strategy, in floats.
    static let im2colBudget = 4 << 20
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

/// Output sizes and pads from auto_pad/pads/strides/dilations (and ceil_mode for pools).
func planAxes(_ ctx: NodeContext, input: [Int], kernel: [Int], ceilMode: Bool = false) throws -> [AxisPlan] {
    do {
        return try AxisPlan.plan(input: input, kernel: kernel, strides: ctx.ints("strides"), dilations: ctx.ints("dilations"),
                                 pads: ctx.ints("pads"), autoPad: ctx.string("auto_pad", "NOTSET"), ceilMode: ceilMode)
    } catch let TensorError.invalidGeometry(message) {
        throw ctx.fail(message)
    }
}

/// 1-D plans widened to 2-D (height 1) so one kernel serves both.
func as2D(_ plans: [AxisPlan], _ ctx: NodeContext) throws -> (AxisPlan, AxisPlan) {
    switch plans.count {
    case 1: return (.unit, plans[0])
    case 2: return (plans[0], plans[1])
    default: throw ctx.fail("\(plans.count)-D spatial input is not supported (1-D and 2-D are)")
    }
}
