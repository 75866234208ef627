import ONNXIO

// What each node does to channels: the role `ChannelGraph` links it by.

extension ChannelGraph {
    private func floatInit(_ name: String, _ inits: InitializerTable) -> Tensor? {
        guard let t = inits.tensor(name), t.dataType.isFloatingPoint else { return nil }
        return t
    }

    func classify(_ i: Int, _ n: Node, _ inits: InitializerTable) -> NodeRole {
        guard (n.domain ?? "").isEmpty || n.domain == "ai.onnx" else { return .barrier }
        let x = n.inputs.first ?? ""
        let y = n.outputs.first ?? ""
        let cx = channels[x], cy = channels[y]
        let single: (String) -> Bool = { useCount[$0] == 1 }
        switch n.op {
        case "Conv":
            return classifyConv(n, inits)
        case "Gemm":
            return classifyGemm(n, inits)
        case "MatMul":
            return classifyMatMul(n, inits)
        case "Relu", "LeakyRelu", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "Elu", "Identity", "Neg", "Abs", "Clip", "Dropout":
            guard let cx, cx == cy, n.outputs.dropFirst().allSatisfy({ $0.isEmpty || useCount[$0] == nil }) else { return .barrier }
            if n.op == "Clip" { guard n.inputs.dropFirst().allSatisfy({ $0.isEmpty || inits.contains($0) }) else { return .barrier } }
            if n.op == "Dropout" { guard n.inputs.dropFirst().allSatisfy({ $0.isEmpty || inits.contains($0) }) else { return .barrier } }
            return .unary
        case "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool":
            guard let cx, cx == cy, n.outputs.dropFirst().allSatisfy({ $0.isEmpty || useCount[$0] == nil }) else { return .barrier }
            let autoPad = n.attribute("auto_pad")?.stringValue ?? "NOTSET"
            let padded = (n.ints("pads") ?? []).contains { $0 != 0 } || autoPad.hasPrefix("SAME")
            return .pool(countsPadding: n.op == "AveragePool" && padded && n.int("count_include_pad", 0) == 1)
        case "BatchNormalization":
            guard let cx, cx == cy, n.inputs.count == 5, n.outputs.count == 1 || n.outputs.dropFirst().allSatisfy({ $0.isEmpty }),
                  n.int("training_mode", 0) == 0 else { return .barrier }
            for p in n.inputs[1...] {
                guard let t = floatInit(p, inits), single(p), t.elementCount == cx else { return .barrier }
            }
            return .batchNorm(scale: n.inputs[1], bias: n.inputs[2], mean: n.inputs[3], variance: n.inputs[4],
                              epsilon: n.float("epsilon", 1e-5))
        case "Add", "Sub", "Mul", "Div":
            return classifyBinary(n, inits)
        case "Concat":
            guard let cy, let r = shapes[y]?.count else { return .barrier }
            let axis = n.int("axis", 0)
            guard axis == 1 || axis == 1 - r, n.inputs.allSatisfy({ channels[$0] != nil }),
                  n.inputs.reduce(0, { $0 + channels[$1]! }) == cy else { return .barrier }
            return .concat
        case "Flatten":
            guard cx != nil, cy != nil, n.int("axis", 1) == 1, shapes[y]?.count == 2 else { return .barrier }
            return .flatten
        case "Reshape":
            guard let sx = shapes[x], let sy = shapes[y], sx.count >= 3, sy.count == 2, sy[0] == sx[0],
                  sy[1] == sx[1...].reduce(1, *), n.inputs.count >= 2, let s = inits.tensor(n.inputs[1]),
                  let v = try? s.int64Values(), v.count == 2 else { return .barrier }
            return .reshapeFlatten(shape: n.inputs[1])
        case "Split":
            guard let cx, let r = shapes[x]?.count else { return .barrier }
            let axis = n.int("axis", 0)
            guard axis == 1 || axis == 1 - r, n.outputs.allSatisfy({ channels[$0] != nil }),
                  n.outputs.reduce(0, { $0 + channels[$1]! }) == cx else { return .barrier }
            if n.inputs.count > 1 && !n.inputs[1].isEmpty && !inits.contains(n.inputs[1]) { return .barrier }
            return .split
        default:
            return .barrier
        }
    }

    /// Conv: a plain, depthwise or grouped convolution with initializer weights.
    private func classifyConv(_ n: Node, _ inits: InitializerTable) -> NodeRole {
        let cx = channels[n.inputs.first ?? ""], cy = channels[n.outputs.first ?? ""]
        let single: (String) -> Bool = { useCount[$0] == 1 }
        guard let cx, let cy, n.inputs.count >= 2, let w = floatInit(n.inputs[1], inits), single(n.inputs[1]),
              w.dims.count >= 3, Int(w.dims[0]) == cy else { return .barrier }
        var bias: String?
        if n.inputs.count > 2 && !n.inputs[2].isEmpty {
            guard let b = floatInit(n.inputs[2], inits), single(n.inputs[2]), b.elementCount == cy else { return .barrier }
            bias = n.inputs[2]
        }
        let group = n.int("group", 1)
        let autoPad = n.attribute("auto_pad")?.stringValue ?? "NOTSET"
        let padded = (n.ints("pads") ?? []).contains { $0 != 0 } || autoPad.hasPrefix("SAME")
        if group == 1 && Int(w.dims[1]) == cx { return .conv(weight: n.inputs[1], bias: bias, depthwise: false, padded: padded) }
        if group == cx && cy == cx && w.dims[1] == 1 { return .conv(weight: n.inputs[1], bias: bias, depthwise: true, padded: padded) }
        if group > 1, cx % group == 0, cy % group == 0, Int(w.dims[1]) == cx / group {
            return .groupedConv(weight: n.inputs[1], bias: bias, groups: group, padded: padded)
        }
        return .barrier
    }

    /// Gemm: y = x·W(ᵀ) + c with initializer weights, channels on axis 1.
    private func classifyGemm(_ n: Node, _ inits: InitializerTable) -> NodeRole {
        let x = n.inputs.first ?? ""
        let cx = channels[x], cy = channels[n.outputs.first ?? ""]
        let single: (String) -> Bool = { useCount[$0] == 1 }
        guard let cx, let cy, shapes[x]?.count == 2, n.int("transA", 0) == 0, n.inputs.count >= 2,
              let w = floatInit(n.inputs[1], inits), single(n.inputs[1]), w.dims.count == 2 else { return .barrier }
        let transB = n.int("transB", 0) == 1
        guard Int(w.dims[transB ? 1 : 0]) == cx, Int(w.dims[transB ? 0 : 1]) == cy else { return .barrier }
        var bias: String?
        if n.inputs.count > 2 && !n.inputs[2].isEmpty {
            guard let c = floatInit(n.inputs[2], inits), single(n.inputs[2]) else { return .barrier }
            let d = c.dims.map { Int($0) }
            let ok = c.elementCount == 1 || (d == [cy]) || (d == [1, cy])
            guard ok else { return .barrier }
            bias = n.inputs[2]
        }
        return .gemm(weight: n.inputs[1], bias: bias, transB: transB)
    }

    /// MatMul with an initializer weight, and the Add that follows it as its bias.
    private func classifyMatMul(_ n: Node, _ inits: InitializerTable) -> NodeRole {
        let x = n.inputs.first ?? ""
        let y = n.outputs.first ?? ""
        let cx = channels[x], cy = channels[y]
        let single: (String) -> Bool = { useCount[$0] == 1 }
        guard let cx, let cy, shapes[x]?.count == 2, let w = floatInit(n.inputs[1], inits), single(n.inputs[1]),
              w.dims.count == 2, Int(w.dims[0]) == cx, Int(w.dims[1]) == cy else { return .barrier }
        var biasAdd: (Int, String)?
        if let cs = consumers[y], cs.count == 1, graph.nodes[cs[0]].op == "Add", useCount[y] == 1 {
            let add = graph.nodes[cs[0]]
            if let other = add.inputs.first(where: { $0 != y }), let b = floatInit(other, inits), single(other),
               b.dims.map({ Int($0) }) == [cy] || b.dims.map({ Int($0) }) == [1, cy] {
                biasAdd = (cs[0], other)
            }
        }
        return .matMul(weight: n.inputs[1], biasAdd: biasAdd)
    }

    /// Add/Sub/Mul/Div: each operand a broadcast constant, a per-channel constant or a value.
    private func classifyBinary(_ n: Node, _ inits: InitializerTable) -> NodeRole {
        let y = n.outputs.first ?? ""
        let cy = channels[y]
        let single: (String) -> Bool = { useCount[$0] == 1 }
        guard let cy, let ry = shapes[y]?.count, n.inputs.count == 2 else { return .barrier }
        var ops: [NodeRole.Operand] = []
        for inp in n.inputs {
            if let t = floatInit(inp, inits) {
                let d = t.dims.map { Int($0) }
                guard d.count <= ry else { return .barrier }
                let pd = [Int](repeating: 1, count: ry - d.count) + d
                let uniform = pd.enumerated().allSatisfy { $0.offset == 1 || $0.element == 1 }
                if pd[1] == 1 {
                    ops.append(.broadcast(inp, uniform: uniform))
                } else if pd[1] == cy, d.count >= ry - 1, single(inp) {
                    ops.append(.perChannel(inp, axis: 1 - (ry - d.count), uniform: uniform))
                } else {
                    return .barrier
                }
            } else {
                guard channels[inp] == cy, shapes[inp]?.count == ry else { return .barrier }
                ops.append(.value(inp))
            }
        }
        return .binary(ops)
    }
}
