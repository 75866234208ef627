import ONNXIO

// Shape rules of Slice, Gather, Pad, Constant and the reductions.
extension ShapeRules {
    static func slice(_ c: inout RuleContext) throws {
        let x = try c.shape(0)
        let starts = try c.node.attrInts("starts") ?? c.requiredValue(1, "starts").map { Int($0) }
        let ends = try c.node.attrInts("ends") ?? c.requiredValue(2, "ends").map { Int($0) }
        let axes = try (c.node.attrInts("axes") ?? c.value(3)?.map { Int($0) } ?? Array(starts.indices)).map { try c.axis($0, rank: x.count) }
        let steps = c.value(4)?.map { Int($0) } ?? [Int](repeating: 1, count: starts.count)
        guard ends.count == starts.count, axes.count == starts.count, steps.count == starts.count else {
            throw Failure(message: "starts, ends, axes and steps differ in length")
        }
        var out = x
        var ranges: [(Int, Int, Int)] = []
        for (i, a) in axes.enumerated() {
            let d = x[a], step = steps[i]
            guard step != 0 else { throw Failure(message: "step 0") }
            func norm(_ v: Int, _ lo: Int, _ hi: Int) -> Int { min(max(v < 0 ? v + d : v, lo), hi) }
            let s = step > 0 ? norm(starts[i], 0, d) : norm(starts[i], -1, d - 1)
            let e = step > 0 ? norm(ends[i], 0, d) : norm(ends[i], -1, d - 1)
            out[a] = step > 0 ? max(0, (e - s + step - 1) / step) : max(0, (s - e - step - 1) / -step)
            ranges.append((s, step, out[a]))
        }
        try c.output(0, out)
        if x.count == 1, let v = c.value(0), let (s, step, n) = ranges.first {
            c.setValue(0, (0..<n).map { v[s + $0 * step] })
        }
    }

    static func gather(_ c: inout RuleContext) throws {
        let data = try c.shape(0), indices = try c.shape(1)
        let axis = try c.axis(c.node.attrInt("axis") ?? 0, rank: data.count)
        try c.output(0, Array(data[..<axis]) + indices + Array(data[(axis + 1)...]))
        if data.count == 1, let v = c.value(0), let idx = c.value(1) {
            let picked = idx.map { Int($0) < 0 ? Int($0) + v.count : Int($0) }
            if picked.allSatisfy({ $0 >= 0 && $0 < v.count }) { c.setValue(0, picked.map { v[$0] }) }
        }
    }

    static func pad(_ c: inout RuleContext) throws {
        let x = try c.shape(0)
        let pads = try c.node.attrInts("pads") ?? c.requiredValue(1, "pads").map { Int($0) }
        let axes = try (c.value(3)?.map { Int($0) } ?? Array(x.indices)).map { try c.axis($0, rank: x.count) }
        guard pads.count == 2 * axes.count else { throw Failure(message: "pads \(pads) do not fit \(axes.count) axes") }
        var out = x
        for (i, a) in axes.enumerated() { out[a] += pads[i] + pads[i + axes.count] }
        try c.output(0, out)
    }

    static func constant(_ c: inout RuleContext) throws {
        if let t = c.node.attribute("value")?.t {
            try c.output(0, t.dims.map { Int($0) })
            if !c.node.outputs.isEmpty { c.state.record(c.node.outputs[0], tensor: t) }
        } else if let i = c.node.attribute("value_int")?.i {
            try c.output(0, []); c.setValue(0, [i])
        } else if let a = c.node.attribute("value_ints") {
            try c.output(0, [a.ints.count]); c.setValue(0, a.ints)
        } else if c.node.attribute("value_float") != nil {
            try c.output(0, [])
        } else if let a = c.node.attribute("value_floats") {
            try c.output(0, [a.floats.count])
        } else {
            throw Failure(message: "no value attribute this rule understands")
        }
    }

    static func reduce(_ c: inout RuleContext) throws {
        let x = try c.shape(0)
        let keep = (c.node.attrInt("keepdims") ?? 1) == 1
        var ax: [Int]
        if c.node.op.hasPrefix("Arg") {
            ax = [try c.axis(c.node.attrInt("axis") ?? 0, rank: x.count)]
        } else if let a = try axes(c, rank: x.count), !a.isEmpty {
            ax = a
        } else {
            ax = c.node.attrInt("noop_with_empty_axes") == 1 ? [] : Array(x.indices)
        }
        let set = Set(ax)
        let out = x.indices.compactMap { i -> Int? in set.contains(i) ? (keep ? 1 : nil) : x[i] }
        try c.output(0, out)
    }
}
