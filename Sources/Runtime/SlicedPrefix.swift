import ONNXIO

#if canImport(Glibc)
import Glibc
#endif

/// The first steps of a plan, run a few images at a time while the activations are large.
///
/// The early layers of a mobile network work on 112×112 and 56×56 maps: at batch 16 one
/// activation is 13–40 MB, so every layer reads its input back from DRAM. Run on a slice of
/// a few images instead, the same layers find their input in the last-level cache. The
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

    /// Images per slice: 4, or `NNCODEC_SLICE_IMAGES` from the environment (0: no slicing;
    /// for A/B timing of one binary).
    static let defaultImages: Int = getenv("NNCODEC_SLICE_IMAGES").flatMap { Int(String(cString: $0)) } ?? 4

    /// Operators that compute each image of their batch alone.
    static let perImage: Set<String> = [
        "Conv", "BatchNormalization", "Relu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish",
        "LeakyRelu", "Elu", "Selu", "Tanh", "Softplus", "MaxPool", "AveragePool",
        "GlobalAveragePool", "GlobalMaxPool", "Add", "Sub", "Mul", "Div", "Concat",
    ]
    static let elementwise: Set<String> = ["Add", "Sub", "Mul", "Div"]

    /// The prefix of `plan` starting at `input`, or nil when no step after the first has a
    /// single value crossing. `shapeOf` gives the shape of a constant (nil: not a constant).
    static func find(plan: Plan, input: String, graphOutputs: Set<String>, shapeOf: (String) -> [Int]?) -> SlicedPrefix? {
        var lastUse: [String: Int] = [:]
        for (i, s) in plan.steps.enumerated() {
            for v in s.node.inputs where !v.isEmpty { lastUse[v] = i }
        }
        var sliced: Set<String> = [input]
        var candidates: [(cut: Int, value: String)] = []
        for (i, step) in plan.steps.enumerated() {
            guard admits(step.node, sliced: sliced, shapeOf: shapeOf) else { break }
            let outs = step.node.outputs.filter { !$0.isEmpty }
            guard !outs.contains(where: graphOutputs.contains) else { break }
            sliced.formUnion(outs)
            let live = sliced.filter { (lastUse[$0] ?? -1) > i }
            if live.count == 1, let v = live.first, v != input { candidates.append((i + 1, v)) }
        }
        return candidates.isEmpty ? nil : SlicedPrefix(input: input, candidates: candidates)
    }

    /// True if `node` computes each image alone given which of its inputs are sliced.
    static func admits(_ node: Node, sliced: Set<String>, shapeOf: (String) -> [Int]?) -> Bool {
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
                    sliced.contains(v) || shapeOf(v).map { $0.count < 4 || $0.first == 1 } == true
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
    func runSliced(_ prefix: SlicedPrefix, input x: NDArray, plan: Plan, needed: [Bool], lastUse: [String: Int],
                   keep: Set<String>, observer: RunObserver?) throws -> (Int, (name: String, value: NDArray))? {
        let per = options.sliceImages, batch = x.shape.first ?? 0
        guard per >= 1, batch >= 2 * per, case .float = x.storage else { return nil }
        var candidates: [(cut: Int, value: String)] = []
        for c in prefix.candidates {
            let steps = plan.steps[..<c.cut]
            guard steps.indices.allSatisfy({ needed[$0] }),
                  !steps.contains(where: { $0.node.outputs.contains { keep.contains($0) && $0 != c.value } }) else { break }
            candidates.append(c)
        }
        guard !candidates.isEmpty else { return nil }
        // The first slice runs up to the first crossing small enough per image; the others
        // stop there too.
        var slice: [String: NDArray] = [prefix.input: x.slice(rows: 0..<per)]
        var next = 0, chosen = candidates[0]
        for c in candidates {
            while next < c.cut {
                try runStep(next, plan.steps[next], plan: plan, values: &slice, overrides: [:], lastUse: lastUse, keep: keep, observer: observer)
                next += 1
            }
            chosen = c
            if let v = slice[c.value], v.count / per < options.sliceMinimum { break }
        }
        guard let first = slice.removeValue(forKey: chosen.value), case .float(let f0) = first.storage, first.shape.first == per else {
            throw RuntimeError.invalidArgument("the sliced prefix's value '\(chosen.value)' is not a float batch")
        }
        var shape = first.shape
        shape[0] = batch
        let size = f0.count
        var whole = pool.take(size / per * batch) ?? [Float](repeating: 0, count: size / per * batch)
        whole.replaceSubrange(0..<size, with: f0)
        pool.give(f0)
        for start in stride(from: per, to: batch, by: per) {
            let rows = start..<min(start + per, batch)
            slice = [prefix.input: x.slice(rows: rows)]
            for i in 0..<chosen.cut {
                try runStep(i, plan.steps[i], plan: plan, values: &slice, overrides: [:], lastUse: lastUse, keep: keep, observer: observer)
            }
            guard case .float(let f)? = slice.removeValue(forKey: chosen.value)?.storage, f.count == size / per * rows.count else {
                throw RuntimeError.invalidArgument("the sliced prefix's value '\(chosen.value)' changed shape between slices")
            }
            whole.replaceSubrange(start * (size / per)..<start * (size / per) + f.count, with: f)
            pool.give(f)
        }
        return (chosen.cut, (chosen.value, NDArray(shape: shape, floats: whole)))
    }
}
