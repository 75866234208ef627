import Foundation
import ONNXIO

#if canImport(Glibc)
import Glibc
#endif

/// The first steps of a plan, run one image (per core) at a time while the activations are
/// large.
///
/// The early layers of a mobile network work on 112×112 and 56×56 maps: at batch 16 one
/// activation is 13–77 MB, so every layer reads its input back from DRAM. Run on a slice of
/// one image instead (1.6–4.8 MB), the same layers find their input in the caches. The
/// prefix may hold only steps that treat every image on its own (convolutions and their
/// fused chains, BatchNormalization, activations, pooling, elementwise operators whose
/// other operand has no batch axis, Concat along channels) and ends where a single value
/// crosses into the rest of the plan: each slice's crossing value is copied into its rows
/// of one whole-batch array, and the steps after it run on the whole batch as before (the
/// layers on small maps multiply several images side by side). Results are those of the
/// whole-batch run up to float rounding: every kernel computes each image alone, only the
/// grouping of images into GEMM columns differs.
struct SlicedPrefix {
    /// The graph input the slices are cut from (axis 0).
    let input: String
    /// Step index after which only `value` is used by the rest of the plan, in plan order.
    let candidates: [(cut: Int, value: String)]
    /// Parameter floats (weights, biases: every constant input) of the steps from each
    /// candidate to the next one.
    let blockParameters: [Int]

    /// Where a run's slices end: the step to go on from, the crossing value and its shape
    /// per image.
    struct Crossing {
        let cut: Int
        let value: String
        let shape: [Int]
    }
    /// The crossing chosen by the first run, per input shape (per image), slice size and
    /// usable candidates.
    let memo = Memo<[Int], Crossing>()

    /// The candidates a run may stop at: every step before them needed, none of their
    /// values requested (but the crossing value).
    func usable(plan: Plan, needed: [Bool], keep: Set<String>) -> [(cut: Int, value: String)] {
        var out: [(cut: Int, value: String)] = []
        for c in candidates {
            let steps = plan.steps[..<c.cut]
            guard steps.indices.allSatisfy({ needed[$0] }),
                  !steps.contains(where: { $0.node.outputs.contains { keep.contains($0) && $0 != c.value } }) else { break }
            out.append(c)
        }
        return out
    }

    /// Images per slice: 1, or `NNCODEC_SLICE_IMAGES` from the environment (0: no slicing).
    /// The environment variables here are for A/B timing of one binary (runtime.md).
    static let defaultImages: Int = getenv("NNCODEC_SLICE_IMAGES").flatMap { Int(String(cString: $0)) } ?? 1
    /// A slice ends before a block (the steps to the next candidate) whose parameters
    /// outnumber this many times the floats per image entering it: its images are better
    /// multiplied side by side (the weights read once, the GEMMs wider)
    /// (`NNCODEC_SLICE_RATIO`).
    static let parameterRatio: Int = getenv("NNCODEC_SLICE_RATIO").flatMap { Int(String(cString: $0)) } ?? 4
    /// Slices one per core at a time (`NNCODEC_SLICE_SERIAL`: in order, kernels threaded).
    static let sliceConcurrently = getenv("NNCODEC_SLICE_SERIAL") == nil
    /// A slice ends at the first crossing below this many floats per image
    /// (`NNCODEC_SLICE_MINIMUM`).
    static let defaultMinimum: Int = getenv("NNCODEC_SLICE_MINIMUM").flatMap { Int(String(cString: $0)) } ?? 16_384

    /// Operators that compute each image of their batch alone.
    static let perImage: Set<String> = [
        "Conv", "BatchNormalization", "Relu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish",
        "LeakyRelu", "Elu", "Selu", "Tanh", "Softplus", "MaxPool", "AveragePool",
        "GlobalAveragePool", "GlobalMaxPool", "Add", "Sub", "Mul", "Div", "Concat",
    ]
    static let elementwise: Set<String> = ["Add", "Sub", "Mul", "Div"]

    /// The prefix of `plan` starting at `input`, or nil when no step after the first has a
    /// single value crossing. `shapeOf` gives the shape of a constant (nil: not a constant).
    static func find(plan: Plan, input: String, rank: Int, graphOutputs: Set<String>, shapeOf: (String) -> [Int]?) -> SlicedPrefix? {
        guard rank >= 3 else { return nil }   // images (N, C, spatial…): every prefix value keeps this rank
        var lastUse: [String: Int] = [:]
        for (i, s) in plan.steps.enumerated() {
            for v in s.node.inputs where !v.isEmpty { lastUse[v] = i }
        }
        var sliced: Set<String> = [input]
        var candidates: [(cut: Int, value: String)] = []
        for (i, step) in plan.steps.enumerated() {
            guard admits(step.node, sliced: sliced, rank: rank, shapeOf: shapeOf) else { break }
            let outs = step.node.outputs.filter { !$0.isEmpty }
            guard !outs.contains(where: graphOutputs.contains) else { break }
            sliced.formUnion(outs)
            let live = sliced.filter { (lastUse[$0] ?? -1) > i }
            if live.count == 1, let v = live.first, v != input { candidates.append((i + 1, v)) }
        }
        let parameters = plan.steps.map { step in
            step.node.inputs.filter { !sliced.contains($0) }.reduce(0) { $0 + (shapeOf($1)?.reduce(1, *) ?? 0) }
        }
        let blocks = candidates.indices.map { k in
            parameters[candidates[k].cut..<(k + 1 < candidates.count ? candidates[k + 1].cut : candidates[k].cut)].reduce(0, +)
        }
        return candidates.isEmpty ? nil : SlicedPrefix(input: input, candidates: candidates, blockParameters: blocks)
    }

    /// True if `node` computes each image alone given which of its inputs are sliced (all
    /// of `rank`: a constant operand must have fewer axes or a leading 1).
    static func admits(_ node: Node, sliced: Set<String>, rank: Int, shapeOf: (String) -> [Int]?) -> Bool {
        let op = node.opType ?? ""
        guard perImage.contains(op), (node.domain ?? "").isEmpty || node.domain == "ai.onnx" else { return false }
        let ins = node.inputs
        guard let first = ins.first, sliced.contains(first) else { return false }
        switch op {
        case "Conv":   // x, W, B, BN ×4, residual, bounds ×2, prologue BN ×4, Concat parts
            let batched = ins.indices.filter { $0 == 0 || $0 == 7 || $0 >= 14 }
            return ins.enumerated().allSatisfy { j, v in
                v.isEmpty || (batched.contains(j) ? sliced.contains(v) : shapeOf(v) != nil)
            }
        case "MaxPool":
            return node.outputs.filter { !$0.isEmpty }.count == 1   // Indices count across the batch
        case "Concat":
            return (node.attribute("axis")?.i ?? 0) >= 1 && ins.allSatisfy(sliced.contains)
        default:
            if elementwise.contains(op) {
                return ins.allSatisfy { v in
                    sliced.contains(v) || shapeOf(v).map { $0.count < rank || ($0.count == rank && $0.first == 1) } == true
                }
            }
            return ins.dropFirst().allSatisfy { $0.isEmpty || shapeOf($0) != nil }
        }
    }
}

extension Session {
    /// Runs the sliced prefix on `x` a few images at a time; returns the step to go on
    /// from and the crossing value for the whole batch (nil: the batch is too small, or
    /// the prefix does not apply to this run — nothing was run).
    ///
    /// The first run of a shape runs its first slice alone, up to the first crossing value
    /// below `sliceMinimum` floats per image, and remembers that crossing; the other slices
    /// (all of them in later runs) run one per core at a time, each core's kernels
    /// single-threaded, so a slice's activations stay in that core's caches. In order, with
    /// the kernels' own threads, when profiling or not parallel.
    func runSliced(_ prefix: SlicedPrefix, input x: NDArray, plan: Plan, needed: [Bool], lastUse: [String: Int],
                   keep: Set<String>, observer: RunObserver?) throws -> (Int, (name: String, value: NDArray))? {
        let per = options.sliceImages, batch = x.shape.first ?? 0
        guard per >= 1, batch >= 2 * per, case .float = x.storage else { return nil }
        // Images below `sliceMinimum` floats (the digit models' 1×28×28, CIFAR's 3×32×32) run
        // whole: their batch already fits the caches, and slices cost lenet5 and concat_dw
        // 0.86× and 0.73× of the whole-batch speed (quiet run, 2026-11-29).
        guard x.shape.dropFirst().reduce(1, *) >= options.sliceMinimum else { return nil }
        let candidates = prefix.usable(plan: plan, needed: needed, keep: keep)
        guard !candidates.isEmpty else { return nil }
        let key = Array(x.shape.dropFirst()) + [per, candidates.count]
        var crossing: SlicedPrefix.Crossing, first: [Float]? = nil
        if let known = prefix.memo[key] {
            crossing = known
        } else {
            var slice: [String: NDArray] = [prefix.input: x.slice(rows: 0..<per)]
            var next = 0, chosen = candidates[0]
            for (k, c) in candidates.enumerated() {
                while next < c.cut {
                    try runStep(next, plan.steps[next], plan: plan, values: &slice, overrides: [:], lastUse: lastUse, keep: keep, observer: observer)
                    next += 1
                }
                chosen = c
                guard let v = slice[c.value] else { break }
                if v.count / per < options.sliceMinimum || prefix.blockParameters[k] > SlicedPrefix.parameterRatio * (v.count / per) { break }
            }
            guard let v = slice.removeValue(forKey: chosen.value), case .float(let f) = v.storage, v.shape.first == per else {
                return nil   // not a float batch of `per` images: the whole batch runs as usual
            }
            crossing = SlicedPrefix.Crossing(cut: chosen.cut, value: chosen.value, shape: Array(v.shape.dropFirst()))
            prefix.memo[key] = crossing
            first = f
        }
        let perImage = crossing.shape.reduce(1, *)
        var whole = pool.take(perImage * batch) ?? [Float](repeating: 0, count: perImage * batch)
        if let first {
            whole.replaceSubrange(0..<first.count, with: first)
            pool.give(first)
        }
        let starts = Array(stride(from: first == nil ? 0 : per, to: batch, by: per))
        let concurrent = options.parallel && observer == nil && SlicedPrefix.sliceConcurrently
        var single = options
        single.parallel = !concurrent && options.parallel
        let failure = FirstError()
        whole.withUnsafeMutableBufferPointer { dst in
            let out = dst.baseAddress!
            RuntimeThreading.forEachItem(starts.count, parallel: concurrent) { k in
                let rows = starts[k]..<min(starts[k] + per, batch)
                var values: [String: NDArray] = [prefix.input: x.slice(rows: rows)]
                do {
                    for i in 0..<crossing.cut {
                        try runStep(i, plan.steps[i], plan: plan, values: &values, overrides: [:], lastUse: lastUse, keep: keep,
                                    observer: observer, options: single)
                    }
                    guard case .float(let f)? = values.removeValue(forKey: crossing.value)?.storage, f.count == perImage * rows.count else {
                        throw RuntimeError.invalidArgument("the sliced prefix's value '\(crossing.value)' changed shape between slices")
                    }
                    f.withUnsafeBufferPointer { (out + rows.lowerBound * perImage).update(from: $0.baseAddress!, count: f.count) }
                    pool.give(f)
                } catch { failure.record(error) }
            }
        }
        if let e = failure.error { throw e }
        return (crossing.cut, (crossing.value, NDArray(shape: [batch] + crossing.shape, floats: whole)))
    }
}

/// The first error thrown by concurrent pieces of work.
final class FirstError: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var error: Error?
    func record(_ e: Error) {
        lock.lock(); defer { lock.unlock() }
        if error == nil { error = e }
    }
}

/// A dictionary shared by the threads of a session's runs.
final class Memo<Key: Hashable, Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Key: Value] = [:]
    subscript(key: Key) -> Value? {
        get { lock.lock(); defer { lock.unlock() }; return values[key] }
        set { lock.lock(); defer { lock.unlock() }; values[key] = newValue }
    }
}
