import ONNXIO
import Runtime

extension GradientGraph {
    /// Runs the graph on `inputs`, recording the tape.
    ///
    /// - Parameters:
    ///   - training: BatchNormalization uses batch statistics (and reports new running
    ///     statistics) and Dropout drops; otherwise both behave as in inference.
    ///   - seed: seeds Dropout masks (mixed with the node index).
    ///   - keep: intermediate values to return besides the objective values.
    ///   - record: false for evaluation only (no tape entries).
    public func forward(inputs: [String: NDArray], training: Bool = true, seed: UInt64 = 0,
                        keep: [String] = [], record: Bool = true) throws -> Tape {
        for name in inputNames where inputs[name] == nil {
            throw TrainError(.invalidData, "input '\(name)'", "no value given for this graph input")
        }
        var values = inputs
        let wanted = Set(objectiveValues + keep)
        var tape = Tape()
        let options = Session.Options(parallel: parallel)
        for (i, n) in nodes.enumerated() where analysis.needed[i] {
            let args: [NDArray?] = try n.inputs.map { name in
                if name.isEmpty { return nil }
                guard let v = values[name] ?? parameters[name] ?? constants[name] else {
                    throw TrainError(.unknownValue, "node '\(names[i])'", "input '\(name)' is not available")
                }
                return v
            }
            let op = n.opType ?? ""
            let rule = Derivatives.rules[op]
            var result: ForwardResult
            if training, let tf = rule?.trainingForward {
                var mix = SplitMix(seed: seed ^ (UInt64(i) &* 0x9E37_79B9_7F4A_7C15))
                result = try tf(ForwardContext(node: n, name: names[i], opset: opset, inputs: args, seed: mix.next()))
                for (k, v) in result.stateUpdates where k < n.inputs.count && parameters[n.inputs[k]] != nil {
                    tape.stateUpdates[n.inputs[k]] = v
                }
            } else {
                do {
                    result = ForwardResult(outputs: try NodeKernels.run(n, name: names[i], inputs: args, opset: opset, options: options))
                } catch let e as RuntimeError {
                    throw TrainError(.invalidNode, "\(op) node '\(names[i])'", e.description)
                }
            }
            for (j, o) in n.outputs.enumerated() where !o.isEmpty && j < result.outputs.count { values[o] = result.outputs[j] }
            if record, analysis.taped.contains(i), let rule {
                tape.entries.append(Entry(
                    index: i,
                    inputs: args.enumerated().map { rule.savesInputs.contains($0.offset) ? $0.element : nil },
                    inputShapes: args.map { $0?.shape },
                    outputs: result.outputs.enumerated().map { rule.savesOutputs.contains($0.offset) ? $0.element : nil },
                    outputShapes: result.outputs.map(\.shape),
                    aux: result.aux))
            }
            for inp in n.inputs where !inp.isEmpty && lastUse[inp] == i && !wanted.contains(inp) { values[inp] = nil }
        }
        for w in wanted {
            guard let v = values[w] ?? parameters[w] ?? constants[w] ?? inputs[w] else {
                throw TrainError(.unknownValue, "value '\(w)'", "was not computed by the forward pass")
            }
            tape.values[w] = v
        }
        return tape
    }

    /// Gradients from `seeds` (∂objective/∂value for objective values) back to `wrt`
    /// (nil: every trainable initializer). Values without a path get no entry. `substitute`
    /// replaces the saved values of the named inputs (initializers) in the backward rules
    /// only — e.g. |W| for a chain of absolute Jacobians.
    public func backward(_ tape: Tape, seeds: [String: NDArray], wrt: [String]? = nil,
                         substitute: [String: NDArray] = [:]) throws -> [String: NDArray] {
        let targets = Set(wrt ?? trainable)
        var grads: [String: NDArray] = [:]
        for (k, v) in seeds {
            guard let t = tape.values[k], t.shape == v.shape else {
                throw TrainError(.invalidData, "value '\(k)'", "seed shape \(v.shape) does not match the value \(tape.values[k]?.shape ?? [])")
            }
            grads[k] = v
        }
        // A gradient reaches a target only through values computed from it: the others are
        // not computed (the rules skip them, a node with none is not visited).
        var downstream = targets
        for e in tape.entries where nodes[e.index].inputs.contains(where: downstream.contains) {
            for o in nodes[e.index].outputs where !o.isEmpty { downstream.insert(o) }
        }
        for e in tape.entries.reversed() {
            let n = nodes[e.index]
            let gOut = n.outputs.map { $0.isEmpty ? nil : grads[$0] }
            let wanted = n.inputs.map { !$0.isEmpty && downstream.contains($0) }
            guard gOut.contains(where: { $0 != nil }), wanted.contains(true) else {
                for o in n.outputs where !targets.contains(o) { grads[o] = nil }
                continue
            }
            let rule = Derivatives.rules[n.opType ?? ""]!
            let saved = substitute.isEmpty ? e.inputs : e.inputs.enumerated().map { j, v in
                v == nil || j >= n.inputs.count ? v : (substitute[n.inputs[j]] ?? v)
            }
            var ctx = RuleContext(node: n, name: names[e.index], op: n.opType ?? "", opset: opset, inputs: saved,
                                  inputShapes: e.inputShapes, outputs: e.outputs, outputShapes: e.outputShapes,
                                  aux: e.aux, gradOutputs: gOut)
            ctx.parallel = parallel
            ctx.wanted = wanted
            let gIn = try rule.backward(ctx)
            for o in n.outputs where !targets.contains(o) { grads[o] = nil }
            for (j, name) in n.inputs.enumerated() where j < gIn.count && !name.isEmpty {
                guard let g = gIn[j], rule.differentiable.contains(j), analysis.active.contains(name) else { continue }
                if let old = grads[name] { grads[name] = add(old, g) } else { grads[name] = g }
            }
        }
        return grads.filter { targets.contains($0.key) }
    }

    /// Applies a tape's new BatchNorm running statistics to `parameters`.
    public func commitState(_ tape: Tape) {
        for (k, v) in tape.stateUpdates { parameters[k] = v }
    }

    /// The model with `parameters` written back into its initializers (graph unchanged;
    /// each initializer keeps its name and data type).
    public func updatedModel() throws -> Model {
        var m = model
        guard var g = m.graph else { return m }
        for (i, t) in g.initializers.enumerated() {
            guard let name = t.name, let v = parameters[name] else { continue }
            g.initializers[i] = try retyped(v, like: t)
        }
        m.graph = g
        return m
    }
}

private func add(_ a: NDArray, _ b: NDArray) -> NDArray {
    var x = a.f
    let y = b.f
    for i in 0..<x.count { x[i] += y[i] }
    return NDArray(shape: a.shape, floats: x)
}

/// `v` as a tensor of `t`'s name, dims and data type (float16/double kept, raw data).
private func retyped(_ v: NDArray, like t: Tensor) throws -> Tensor {
    var out = v.tensor(name: t.name)
    out.dims = t.dims
    switch t.dataType.rawValue {
    case 11: out.dataType = t.dataType; out.rawData = TensorBytes(elements: v.f.map { Double($0) })
    case 10: out.dataType = t.dataType; out.rawData = TensorBytes(elements: v.f.map { Float16($0).bitPattern })
    default: break
    }
    out.docString = t.docString
    return out
}
