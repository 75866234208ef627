import ONNXIO

/// Runs one ONNX model on the CPU.
///
/// Created once per model (it converts the initializers once and checks the graph); `run`
/// may then be called many times, with different inputs, requested outputs and
/// initializer overrides, without copying the model. A session is immutable and may be
/// shared between threads.
public final class Session: Sendable {
    /// Execution settings.
    public struct Options: Sendable, Equatable {
        /// How Conv spreads a batch over the cores.
        public var convStrategy: RuntimeThreading.ConvStrategy
        /// When false, everything but OpenBLAS runs on one core.
        public var parallel: Bool
        public init(convStrategy: RuntimeThreading.ConvStrategy = .perImage, parallel: Bool = true) {
            self.convStrategy = convStrategy
            self.parallel = parallel
        }
        /// Smallest activation (floats) the session keeps for reuse; tests lower it.
        var poolMinimum = ActivationPool.defaultMinimum
        /// CPUKernels' AVX2/FMA kernels where the CPU has them; tests turn them off to run
        /// the portable Swift loops.
        var nativeKernels = true
        /// Images per slice of the sliced prefix (`SlicedPrefix`); 0 turns slicing off.
        var sliceImages = SlicedPrefix.defaultImages
        /// The sliced prefix ends at the first crossing value below this many floats per image.
        var sliceMinimum = SlicedPrefix.defaultMinimum
    }

    public let model: Model
    public let options: Options
    /// Graph inputs the caller must provide (graph inputs that are not initializers), in order.
    public let inputNames: [String]
    /// Graph outputs, in order.
    public let outputNames: [String]
    /// Declared element type and shape (nil entries: symbolic/unknown) of each graph input.
    public let inputInfo: [String: (type: NDArray.ElementType?, shape: [Int?]?)]
    /// Names of all initializers.
    public var initializerNames: [String] { Array(initializers.keys) }

    let opset: Int
    let nodes: [Node]
    let kernels: [Kernel]
    let initializers: [String: NDArray]
    /// Index of the node producing each value.
    let producer: [String: Int]
    /// One step per node, in file order (used when a run needs a value the optimised plan
    /// does not compute, or overrides one it folded).
    let plainPlan: Plan
    /// Constants folded, Conv chains fused.
    let optimisedPlan: Plan
    /// The optimised plan's first steps, run a few images at a time (nil: not applicable).
    let slicedPrefix: SlicedPrefix?
    /// Large activations kept for reuse by later nodes and runs.
    let pool: ActivationPool

    public init(model: Model, options: Options = Options()) throws {
        _ = RuntimeThreading.cores  // sets OpenBLAS to one thread before any kernel runs
        _ = HeapPolicy.configured   // freed activations stay mapped for the next run
        guard var graph = model.graph else { throw RuntimeError.noGraph }
        graph.nodes = ControlFlow.withImplicitInputs(graph.nodes)  // subgraphs' outer-scope reads
        self.model = model
        self.options = options
        pool = ActivationPool(minimum: options.poolMinimum)
        opset = Int(model.defaultOpsetVersion ?? 21)
        var inits: [String: NDArray] = [:]
        for t in graph.initializers {
            inits[t.name ?? ""] = try NDArray(tensor: t)
        }
        initializers = inits
        var names: [String] = []
        var info: [String: (type: NDArray.ElementType?, shape: [Int?]?)] = [:]
        for vi in graph.inputs {
            guard let n = vi.name, inits[n] == nil else { continue }
            names.append(n)
            let tt = vi.type?.tensorType
            let et = tt?.elemType.flatMap { try? NDArray.ElementType(onnx: $0) }
            let shape = tt?.shape.map { s in s.dims.map { d -> Int? in
                if case .value(let v)? = d.value, v >= 0 { return Int(v) } else { return nil }  // -1 (Paddle): any size
            } }
            info[n] = (et, shape)
        }
        inputNames = names
        inputInfo = info
        outputNames = graph.outputs.compactMap { $0.name }

        nodes = graph.nodes
        var prod: [String: Int] = [:]
        for (i, n) in graph.nodes.enumerated() {
            for o in n.outputs where !o.isEmpty { prod[o] = i }
        }
        producer = prod
        // Topological order and defined inputs.
        var available = Set(inits.keys).union(names)
        for vi in graph.inputs { if let n = vi.name { available.insert(n) } }
        var ks: [Kernel] = []
        let types = ValueTypes.infer(graph)
        for (i, n) in graph.nodes.enumerated() {
            let nodeName = Session.displayName(n, i)
            for inp in n.inputs where !inp.isEmpty && !available.contains(inp) {
                if let p = prod[inp], p > i {
                    throw RuntimeError.notTopologicallySorted(node: nodeName, input: inp, producer: Session.displayName(graph.nodes[p], p))
                }
                throw RuntimeError.undefinedValue(name: inp, node: nodeName)
            }
            for o in n.outputs where !o.isEmpty { available.insert(o) }
            let op = n.opType ?? ""
            let domain = n.domain ?? ""
            guard domain.isEmpty || domain == "ai.onnx", let k = Registry.kernel(op, ValueTypes.node(n, types)) else {
                throw RuntimeError.unsupportedOperator(op: op, domain: domain, node: nodeName)
            }
            ks.append(k)
        }
        kernels = ks
        plainPlan = Plan(steps: graph.nodes.enumerated().map { i, n in
            Step(node: n, kernel: ks[i], origin: i, name: Session.displayName(n, i), cacheable: [], cache: nil)
        })
        optimisedPlan = Session.optimisedPlan(nodes: graph.nodes, kernels: ks, initializers: inits,
                                              graphInputs: Set(names), graphOutputs: Set(outputNames),
                                              opset: opset, options: options)
        let plan = optimisedPlan
        let rank = names.count == 1 ? info[names[0]]?.shape?.count ?? 0 : 0
        slicedPrefix = SlicedPrefix.find(plan: plan, input: names.first ?? "", rank: rank, graphOutputs: Set(outputNames)) {
            (plan.constants[$0] ?? inits[$0])?.shape
        }
    }

    /// Loads the model at `path` (external data included) and prepares it.
    public convenience init(path: String, options: Options = Options()) throws {
        try self.init(model: Model.load(path: path), options: options)
    }

    static func displayName(_ n: Node, _ i: Int) -> String {
        if let s = n.name, !s.isEmpty { return s }
        return "#\(i) \(n.opType ?? "?")"
    }

    /// The initializer `name` as an array (nil if there is none).
    public func initializer(_ name: String) -> NDArray? { initializers[name] }

    /// True if `name` is a graph input, initializer or node output.
    public func hasValue(_ name: String) -> Bool {
        initializers[name] != nil || inputInfo[name] != nil || producer[name] != nil
    }

    /// Runs the graph.
    ///
    /// - Parameters:
    ///   - inputs: graph inputs by name (element types are converted to the declared type).
    ///   - outputs: values to return: any graph output, intermediate, input or initializer
    ///     name; nil for the graph outputs. Only the nodes these depend on run.
    ///   - overrides: values that replace initializers (or any other value: a node whose
    ///     outputs are all overridden is skipped) for this run only.
    public func run(inputs: [String: NDArray], outputs: [String]? = nil, overrides: [String: NDArray] = [:]) throws -> [String: NDArray] {
        try execute(inputs: inputs, outputs: outputs, overrides: overrides, observer: nil)
    }

    /// `run`, reporting each node's time and each freed value to `observer`.
    func execute(inputs: [String: NDArray], outputs: [String]?, overrides: [String: NDArray],
                 observer: RunObserver?) throws -> [String: NDArray] {
        let wanted = outputs ?? outputNames
        for w in wanted where !hasValue(w) && overrides[w] == nil { throw RuntimeError.unknownName(w) }
        var values = try bindInputs(inputs, overrides: overrides)

        let optimised = !(wanted.contains(where: optimisedPlan.hidden.contains)
            || overrides.keys.contains(where: optimisedPlan.sensitive.contains)
            || inputs.keys.contains(where: optimisedPlan.sensitive.contains))
        let plan = optimised ? optimisedPlan : plainPlan
        let steps = plan.steps
        let needed = try neededSteps(plan, wanted: wanted, values: values)
        // Last consumer of each value, for freeing.
        var lastUse: [String: Int] = [:]
        for (i, s) in steps.enumerated() where needed[i] {
            for inp in s.node.inputs where !inp.isEmpty { lastUse[inp] = i }
        }
        let keep = Set(wanted)

        var start = 0
        if optimised, overrides.isEmpty, let prefix = slicedPrefix,
           let x = values[prefix.input], !keep.contains(prefix.input),
           let (cut, crossing) = try runSliced(prefix, input: x, plan: plan, needed: needed, lastUse: lastUse,
                                                keep: keep, observer: observer) {
            values[prefix.input] = nil
            values[crossing.name] = crossing.value
            start = cut
        }
        for (i, step) in steps.enumerated() where needed[i] && i >= start {
            try runStep(i, step, plan: plan, values: &values, overrides: overrides, lastUse: lastUse, keep: keep, observer: observer)
        }
        var result: [String: NDArray] = [:]
        for w in wanted {
            guard let v = values[w] ?? plan.constants[w] ?? initializers[w] else {
                throw RuntimeError.invalidArgument("value '\(w)' was not computed (an optional output its node does not produce?)")
            }
            result[w] = v
        }
        return result
    }

    /// The run's starting values: `overrides`, then the inputs converted to their declared
    /// element types and checked against their declared shapes.
    private func bindInputs(_ inputs: [String: NDArray], overrides: [String: NDArray]) throws -> [String: NDArray] {
        var values: [String: NDArray] = overrides
        for (k, v) in inputs {
            guard let info = inputInfo[k] else {
                if initializers[k] != nil { values[k] = v; continue }
                throw RuntimeError.inputMismatch("'\(k)' is not an input of the graph (inputs: \(inputNames.joined(separator: ", ")))")
            }
            var v = v
            if let t = info.type, t != v.elementType { v = v.cast(to: t) }
            if let s = info.shape {
                let ok = s.count == v.shape.count && zip(s, v.shape).allSatisfy { $0 == nil || $0! == $1 }
                if !ok {
                    throw RuntimeError.inputMismatch("input '\(k)' has shape \(v.shape), the graph declares [\(s.map { $0.map(String.init) ?? "?" }.joined(separator: ", "))]")
                }
            }
            values[k] = v
        }
        return values
    }

    /// Runs the graph once (graph outputs) and returns each executed node's kernel time, in
    /// execution order (a node of the sliced prefix: its time summed over the slices): for
    /// profiling.
    public func profile(inputs: [String: NDArray]) throws -> [(node: String, op: String, seconds: Double)] {
        var times: [(node: String, op: String, seconds: Double)] = []
        var position: [Int: Int] = [:]
        let obs = RunObserver(nodeFinished: { i, d in
            let n = self.nodes[i], s = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
            if let p = position[i] { times[p].seconds += s; return }
            position[i] = times.count
            times.append((Session.displayName(n, i), n.opType ?? "", s))
        }, freed: nil)
        _ = try execute(inputs: inputs, outputs: nil, overrides: [:], observer: obs)
        return times
    }

    /// Runs the graph with inputs given in the order of `inputNames`.
    public func run(_ inputs: [NDArray], outputs: [String]? = nil, overrides: [String: NDArray] = [:]) throws -> [String: NDArray] {
        guard inputs.count == inputNames.count else {
            throw RuntimeError.inputMismatch("the graph takes \(inputNames.count) inputs (\(inputNames.joined(separator: ", "))), got \(inputs.count)")
        }
        return try run(inputs: Dictionary(uniqueKeysWithValues: zip(inputNames, inputs)), outputs: outputs, overrides: overrides)
    }
}

/// Hooks into a run, for tests and profiling.
struct RunObserver {
    /// Node index and the time its kernel took.
    var nodeFinished: ((Int, Duration) -> Void)?
    /// A value freed after its last consumer, and how many values remain live.
    var freed: ((String, Int) -> Void)?
}
