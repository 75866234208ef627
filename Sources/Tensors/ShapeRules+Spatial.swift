import ONNXIO

// Shape rules of convolutions and pools, on the geometry `AxisPlan.plan` computes for the
// inference kernels.
extension ShapeRules {
    static func registerSpatialRules(_ t: inout [String: Rule]) {
        t["Conv"] = { c in
            let x = try c.shape(0), w = try c.shape(1)
            guard x.count >= 3, w.count == x.count else { throw Failure(message: "X \(x) and W \(w) must have the same rank ≥ 3") }
            let kernel = c.node.attrInts("kernel_shape") ?? Array(w.dropFirst(2))
            try c.output(0, [x[0], w[0]] + (try window(c, x, kernel, ceil: false)))
        }
        t["ConvTranspose"] = convTranspose
        for op in ["MaxPool", "AveragePool", "LpPool"] {
            t[op] = { c in
                let x = try c.shape(0)
                guard x.count >= 3, let kernel = c.node.attrInts("kernel_shape") else { throw Failure(message: "needs rank ≥ 3 and kernel_shape") }
                let out = [x[0], x[1]] + (try window(c, x, kernel, ceil: c.node.attrInt("ceil_mode") == 1))
                try c.output(0, out)
                if c.node.outputs.count > 1 { try c.output(1, out) }
            }
        }
        for op in ["GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool"] {
            t[op] = { c in
                let x = try c.shape(0)
                guard x.count >= 2 else { throw Failure(message: "needs rank ≥ 2") }
                try c.output(0, [x[0], x[1]] + [Int](repeating: 1, count: x.count - 2))
            }
        }
    }

    /// Output sizes of the spatial axes of `x` under the node's window attributes.
    static func window(_ c: RuleContext, _ x: [Int], _ kernel: [Int], ceil: Bool) throws -> [Int] {
        do {
            return try AxisPlan.plan(input: Array(x.dropFirst(2)), kernel: kernel, strides: c.node.attrInts("strides"),
                                     dilations: c.node.attrInts("dilations"), pads: c.node.attrInts("pads"),
                                     autoPad: c.node.attrString("auto_pad") ?? "NOTSET", ceilMode: ceil).map(\.output)
        } catch {
            throw Failure(message: error.description)
        }
    }

    static func convTranspose(_ c: inout RuleContext) throws {
        let x = try c.shape(0), w = try c.shape(1)
        guard x.count >= 3, w.count == x.count else { throw Failure(message: "X \(x) and W \(w) must have the same rank ≥ 3") }
        let r = x.count - 2
        let m = w[1] * (c.node.attrInt("group") ?? 1)
        if let shape = c.node.attrInts("output_shape") {
            try c.output(0, [x[0], m] + shape.suffix(r))
            return
        }
        let kernel = c.node.attrInts("kernel_shape") ?? Array(w.dropFirst(2))
        let strides = c.node.attrInts("strides") ?? [Int](repeating: 1, count: r)
        let dil = c.node.attrInts("dilations") ?? [Int](repeating: 1, count: r)
        let outPad = c.node.attrInts("output_padding") ?? [Int](repeating: 0, count: r)
        let pads = c.node.attrInts("pads") ?? [Int](repeating: 0, count: 2 * r)
        let autoPad = c.node.attrString("auto_pad") ?? "NOTSET"
        guard kernel.count == r, strides.count == r, dil.count == r, outPad.count == r, pads.count == 2 * r else {
            throw Failure(message: "attributes do not match \(r) spatial dims")
        }
        var out = [x[0], m]
        for i in 0..<r {
            let xi = x[i + 2]
            if autoPad.hasPrefix("SAME") {
                out.append(xi * strides[i])
            } else {
                let p = autoPad == "VALID" ? 0 : pads[i] + pads[i + r]
                out.append(strides[i] * (xi - 1) + outPad[i] + (kernel[i] - 1) * dil[i] + 1 - p)
            }
        }
        try c.output(0, out)
    }
}
