import ONNXIO

extension Session {
    /// Runs one step of `plan` on `values`: gathers its inputs, calls the kernel, stores its
    /// outputs and frees (into the pool) the inputs whose last use this was.
    func runStep(_ i: Int, _ step: Step, plan: Plan, values: inout [String: NDArray], overrides: [String: NDArray],
                 lastUse: [String: Int], keep: Set<String>, observer: RunObserver?, options: Options? = nil) throws {
        let n = step.node
        let outs = n.outputs
        if outs.allSatisfy({ $0.isEmpty || overrides[$0] != nil }) { return }
        var args: [NDArray?] = []
        args.reserveCapacity(n.inputs.count)
        for inp in n.inputs {
            if inp.isEmpty { args.append(nil); continue }
            guard let v = values[inp] ?? plan.constants[inp] ?? initializers[inp] else {
                if inputInfo[inp] != nil { throw RuntimeError.missingInput(name: inp) }
                throw RuntimeError.undefinedValue(name: inp, node: step.name)
            }
            args.append(v)
        }
        var ctx = NodeContext(node: n, name: step.name, op: n.opType ?? "", inputs: args, opset: opset, options: options ?? self.options)
        ctx.pool = pool
        if let c = step.cache, step.cacheable.allSatisfy({ $0 >= n.inputs.count || n.inputs[$0].isEmpty || values[n.inputs[$0]] == nil }) {
            ctx.cache = c
        }
        let clock = ContinuousClock()
        let t0 = clock.now
        let results = try step.kernel(ctx)
        observer?.nodeFinished?(step.origin, clock.now - t0)
        for (j, o) in outs.enumerated() where !o.isEmpty && j < results.count {
            if overrides[o] == nil { values[o] = results[j] }
        }
        for inp in n.inputs where !inp.isEmpty && lastUse[inp] == i && !keep.contains(inp) {
            if let v = values.removeValue(forKey: inp), plan.producer[inp] != nil, overrides[inp] == nil, case .float(let f) = v.storage {
                pool.give(f)
            }
            observer?.freed?(inp, values.count)
        }
    }

    /// Which steps of `plan` the wanted values depend on (given the values already known).
    func neededSteps(_ plan: Plan, wanted: [String], values: [String: NDArray]) throws -> [Bool] {
        let steps = plan.steps
        var needed = [Bool](repeating: false, count: steps.count)
        var stack: [String] = wanted
        var seen = Set<String>()
        while let v = stack.popLast() {
            guard seen.insert(v).inserted else { continue }
            if values[v] != nil || plan.constants[v] != nil { continue }
            guard let p = plan.producer[v] else {
                if initializers[v] == nil && inputInfo[v] != nil { throw RuntimeError.missingInput(name: v) }
                continue
            }
            if !needed[p] {
                needed[p] = true
                for i in steps[p].node.inputs where !i.isEmpty { stack.append(i) }
            }
        }
        return needed
    }
}
