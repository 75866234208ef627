import Foundation
import ONNXIO

extension SimplifyState {
    /// Finds channels that are the same constant at every position and for every input (a
    /// neuron whose incoming weights are all zero outputs f(bias), through activations, BN,
    /// pooling, Add/Mul with constants, Concat, Flatten) and folds each into the bias of the
    /// Conv/Gemm/MatMul that reads it, zeroing the weights that read it.
    ///
    /// Exact for Gemm, MatMul (with a bias Add) and unpadded Conv. A zero-padded Conv sees
    /// the constant only inside the image, so a non-zero constant it reads is kept (and
    /// counted in `keptConstantChannels`); a zero constant is dropped everywhere.
    mutating func propagateConstants(_ report: inout SimplifyReport) throws {
        for i in nodes.indices {
            let n = nodes[i]
            let x = n.inputs.first ?? ""
            let y = n.outputs.first ?? ""
            let name = Self.displayName(n, i)
            switch cg.roles[i] {
            case .conv(let wName, let bName, let depthwise, let padded):
                try foldConv(i, x, y, name, wName, bName, depthwise, padded, &report)
            case .groupedConv(let wName, let bName, let groups, let padded):
                try foldGroupedConv(i, x, y, name, wName, bName, groups, padded, &report)
            case .gemm(let wName, let bName, let transB):
                try foldGemm(i, x, y, wName, bName, transB, &report)
            case .matMul(let wName, let biasAdd):
                try foldMatMul(x, y, name, wName, biasAdd?.bias, &report)
            case .unary:
                let f = try unaryFunction(n)
                for c in 0..<cg.channels[y]! { if let a = k(x, c) { setK(y, c, f(a)) } }
            case .pool(let countsPadding):
                for c in 0..<cg.channels[y]! { if let a = k(x, c), !countsPadding || a == 0 { setK(y, c, a) } }
            case .batchNorm(let scale, let bias, let mean, let variance, let eps):
                let g = try inits.dense(scale)!.values, b = try inits.dense(bias)!.values
                let mu = try inits.dense(mean)!.values, v = try inits.dense(variance)!.values
                for c in 0..<cg.channels[y]! {
                    if let a = k(x, c) { setK(y, c, (a - mu[c]) / (v[c] + eps).squareRoot() * g[c] + b[c]) }
                }
            case .binary(let ops):
                var operands: [(Int) -> Float?] = []
                for op in ops {
                    switch op {
                    case .value(let v): operands.append { [self] c in self.k(v, c) }
                    case .perChannel(let t, _, let uniform):
                        let vals = try inits.dense(t)!.values
                        operands.append { c in uniform ? vals[c] : nil }
                    case .broadcast(let t, let uniform):
                        let vals = try inits.dense(t)!.values
                        operands.append { _ in uniform ? vals[0] : nil }
                    }
                }
                for c in 0..<cg.channels[y]! {
                    guard let a = operands[0](c), let b = operands[1](c) else { continue }
                    switch n.op {
                    case "Add": setK(y, c, a + b)
                    case "Sub": setK(y, c, a - b)
                    case "Mul": setK(y, c, a * b)
                    default: setK(y, c, a / b)
                    }
                }
            case .concat:
                var off = 0
                for v in n.inputs {
                    for c in 0..<cg.channels[v]! { setK(y, off + c, k(v, c)) }
                    off += cg.channels[v]!
                }
            case .flatten, .reshapeFlatten:
                let hw = cg.channels[y]! / max(cg.channels[x]!, 1)
                for c in 0..<cg.channels[x]! { if let a = k(x, c) { for j in 0..<hw { setK(y, c * hw + j, a) } } }
            case .split:
                var off = 0
                for v in n.outputs {
                    for c in 0..<cg.channels[v]! { setK(v, c, k(x, off + c)) }
                    off += cg.channels[v]!
                }
            case .barrier:
                break
            }
        }
        report.constantChannels = konst.reduce(0) { $0 + ($1 != nil ? 1 : 0) }
    }

    private mutating func foldConv(_ i: Int, _ x: String, _ y: String, _ name: String, _ wName: String, _ bName: String?,
                                   _ depthwise: Bool, _ padded: Bool, _ report: inout SimplifyReport) throws {
        var w = try inits.dense(wName)!
        let m = w.dims[0]
        var b = try bName.flatMap { try inits.dense($0) }?.values ?? [Float](repeating: 0, count: m)
        var changed = false
        if !depthwise {
            let cin = w.dims[1]
            let kk = w.count / max(m * cin, 1)
            for j in 0..<cin {
                guard let a = k(x, j), !w.isZero(axis: 1, index: j) else { continue }
                if a != 0 && padded { report.keptConstantChannels[name, default: 0] += 1; continue }
                if a != 0 {
                    for o in 0..<m {
                        var s = 0.0
                        let base = (o * cin + j) * kk
                        for t in base..<(base + kk) { s += Double(w.values[t]) }
                        b[o] = Float(Double(b[o]) + Double(a) * s)
                    }
                }
                w.zero(axis: 1, index: j)
                changed = true
                report.foldedInputs += 1
            }
            for o in 0..<m where w.isZero(axis: 0, index: o) { setK(y, o, b[o]) }
        } else {
            for j in 0..<m {
                if w.isZero(axis: 0, index: j) { setK(y, j, b[j]); continue }
                guard let a = k(x, j) else { continue }
                if a != 0 && padded { report.keptConstantChannels[name, default: 0] += 1; continue }
                let s = w.slice(axis: 0, index: j).reduce(0.0) { $0 + Double($1) }
                b[j] = Float(Double(a) * s + Double(b[j]))
                w.zero(axis: 0, index: j)
                changed = true
                report.foldedInputs += 1
                setK(y, j, b[j])
            }
        }
        guard changed else { return }
        try inits.set(wName, w)
        try setBias(i, inputIndex: 2, current: bName, b, like: wName)
    }

    /// Writes a per-unit bias as input `inputIndex` of node `i` (a new initializer if none).
    mutating func setBias(_ i: Int, inputIndex: Int, current: String?, _ b: [Float], like: String) throws {
        let d = DenseTensor(dims: [b.count], values: b)
        if let current { try inits.set(current, d); return }
        guard b.contains(where: { $0 != 0 }) else { return }
        let name = freshName(like + "_bias")
        try inits.add(name, d, like: inits.tensor(like))
        while nodes[i].inputs.count <= inputIndex { nodes[i].inputs.append("") }
        nodes[i].inputs[inputIndex] = name
    }

    private mutating func foldGemm(_ i: Int, _ x: String, _ y: String, _ wName: String, _ bName: String?, _ transB: Bool,
                                   _ report: inout SimplifyReport) throws {
        var w = try inits.dense(wName)!
        let inAxis = transB ? 1 : 0, outAxis = 1 - inAxis
        let units = w.dims[outAxis], features = w.dims[inAxis]
        let alpha = Double(nodes[i].float("alpha", 1)), beta = nodes[i].float("beta", 1)
        let current: [Float] = try {
            guard let bName, let c = try inits.dense(bName) else { return [Float](repeating: 0, count: units) }
            return c.count == 1 ? [Float](repeating: c.values[0] * beta, count: units) : c.values.map { $0 * beta }
        }()
        var bias = current
        var changed = false
        for j in 0..<features {
            guard let a = k(x, j), !w.isZero(axis: inAxis, index: j) else { continue }
            if a != 0 {
                for o in 0..<units {
                    let wij = transB ? w.values[o * features + j] : w.values[j * units + o]
                    bias[o] = Float(Double(bias[o]) + alpha * Double(a) * Double(wij))
                }
            }
            w.zero(axis: inAxis, index: j)
            changed = true
            report.foldedInputs += 1
        }
        if changed {
            try inits.set(wName, w)
            if bias != current {
                try setBias(i, inputIndex: 2, current: bName, bias, like: wName)
                nodes[i].setAttribute(.float("beta", 1))
            }
        }
        for o in 0..<units where w.isZero(axis: outAxis, index: o) { setK(y, o, bias[o]) }
    }

    private mutating func foldMatMul(_ x: String, _ y: String, _ name: String, _ wName: String, _ biasName: String?,
                                     _ report: inout SimplifyReport) throws {
        var w = try inits.dense(wName)!
        let features = w.dims[0], units = w.dims[1]
        var bias = try biasName.flatMap { try inits.dense($0) }
        var changed = false
        for j in 0..<features {
            guard let a = k(x, j), !w.isZero(axis: 0, index: j) else { continue }
            if a != 0 {
                guard bias != nil else { report.keptConstantChannels[name, default: 0] += 1; continue }
                for o in 0..<units { bias!.values[o] = Float(Double(bias!.values[o]) + Double(a) * Double(w.values[j * units + o])) }
            }
            w.zero(axis: 0, index: j)
            changed = true
            report.foldedInputs += 1
        }
        if changed {
            try inits.set(wName, w)
            if let biasName, let bias { try inits.set(biasName, bias) }
        }
        for o in 0..<units where w.isZero(axis: 1, index: o) { setK(y, o, 0) }
    }

    /// The scalar function a channel-wise unary node computes.
    private func unaryFunction(_ n: Node) throws -> (Float) -> Float {
        switch n.op {
        case "Relu": return { max($0, 0) }
        case "LeakyRelu":
            let a = n.float("alpha", 0.01)
            return { $0 >= 0 ? $0 : a * $0 }
        case "Sigmoid": return { 1 / (1 + exp(-$0)) }
        case "Tanh": return { tanh($0) }
        case "HardSigmoid":
            let a = n.float("alpha", 0.2), b = n.float("beta", 0.5)
            return { max(0, min(1, a * $0 + b)) }
        case "HardSwish": return { $0 * max(0, min(1, $0 / 6 + 0.5)) }
        case "Elu":
            let a = n.float("alpha", 1)
            return { $0 >= 0 ? $0 : a * (exp($0) - 1) }
        case "Neg": return { -$0 }
        case "Abs": return { abs($0) }
        case "Clip":
            var lo = -Float.infinity, hi = Float.infinity
            if cg.opset < 11 {
                lo = n.float("min", lo); hi = n.float("max", hi)
            } else {
                if n.inputs.count > 1, !n.inputs[1].isEmpty, let t = try inits.dense(n.inputs[1]) { lo = t.values[0] }
                if n.inputs.count > 2, !n.inputs[2].isEmpty, let t = try inits.dense(n.inputs[2]) { hi = t.values[0] }
            }
            return { min(max($0, lo), hi) }
        default: return { $0 }   // Identity, Dropout (inference)
        }
    }
}
