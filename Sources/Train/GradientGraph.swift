import ONNXIO
import Runtime

/// Reverse-mode differentiation over one ONNX graph.
///
/// The forward pass runs the inference engine's kernels node by node (training-mode
/// BatchNormalization and Dropout excepted) and records a tape entry for each node between a
/// gradient source and the objective, keeping only the inputs and outputs its backward rule
/// reads; every other value is freed after its last forward use. `backward` walks the tape
/// in reverse from seeds ∂objective/∂value and returns gradients for initializers and for
/// any intermediate value named in `extraSources`.
public final class GradientGraph {
    public let model: Model
    public let opset: Int
    let nodes: [Node]
    let names: [String]
    /// Float initializers by name: trainable tensors and state (BatchNorm running statistics).
    public var parameters: [String: NDArray]
    /// Non-float initializers (shapes, indices).
    let constants: [String: NDArray]
    /// Trainable initializers that reach the objective, in file order.
    public let trainable: [String]
    /// Graph inputs the caller provides.
    public let inputNames: [String]
    /// Values the objective is computed from (default: the graph outputs).
    public let objectiveValues: [String]
    let analysis: GraphAnalysis
    var lastUse: [String: Int] = [:]
    /// Run the forward kernels and the backward rules over both cores.
    public var parallel = true

    /// Prepares `model` for gradients of `objective` values (nil: graph outputs) with respect
    /// to `trainable` initializers (nil: every float initializer feeding a differentiable
    /// input, BatchNorm running statistics excluded) and the intermediates `extraSources`.
    public init(model: Model, trainable requested: Set<String>? = nil, extraSources: [String] = [],
                objective: [String]? = nil) throws {
        guard let graph = model.graph else { throw TrainError(.invalidData, "model", "the model has no graph") }
        // Every batch frees and re-allocates activation-sized buffers: keep them mapped
        // (LeNet-5 prune probe: sys time 5.3 s -> 0.4 s of a 14 s run, docs/benchmarks.md).
        HeapPolicy.keepFreedMemory()
        self.model = model
        opset = Int(model.defaultOpsetVersion ?? 17)
        nodes = graph.nodes
        names = nodes.enumerated().map { GraphAnalysis.displayName($1, $0) }
        var params: [String: NDArray] = [:], consts: [String: NDArray] = [:]
        for t in graph.initializers {
            let a = try NDArray(tensor: t)
            if a.elementType == .float32 { params[t.name ?? ""] = a } else { consts[t.name ?? ""] = a }
        }
        parameters = params
        constants = consts
        let inits = Set(graph.initializers.compactMap(\.name))
        inputNames = graph.inputs.compactMap(\.name).filter { !inits.contains($0) }
        let objectiveNames = objective ?? graph.outputs.compactMap(\.name)
        objectiveValues = objectiveNames
        let known = Set(params.keys).union(consts.keys).union(inputNames).union(graph.nodes.flatMap(\.outputs))
        for v in objectiveNames + extraSources where !known.contains(v) {
            throw TrainError(.unknownValue, "value '\(v)'", "the graph has no value of that name")
        }
        var candidates = Set<String>()
        for n in nodes {
            let rule = Derivatives.rules[n.opType ?? ""]
            let isBN = n.opType == "BatchNormalization"
            for (i, inp) in n.inputs.enumerated() where params[inp] != nil {
                if isBN && i >= 3 { continue }
                if rule == nil || rule!.differentiable.contains(i) { candidates.insert(inp) }
            }
        }
        if let requested {
            for r in requested where params[r] == nil {
                throw TrainError(.unknownValue, "tensor '\(r)'", "not a float initializer of the graph")
            }
            candidates = requested
        }
        let an = try GraphAnalysis(nodes: graph.nodes, sources: candidates.union(extraSources), objective: objectiveNames)
        analysis = an
        trainable = graph.initializers.compactMap(\.name).filter { an.reachingSources.contains($0) }
        if trainable.isEmpty && extraSources.isEmpty {
            throw TrainError(.noTrainablePath, "model", "no trainable initializer reaches the outputs \(objectiveNames.joined(separator: ", "))")
        }
        for (i, n) in nodes.enumerated() where analysis.needed[i] {
            for inp in n.inputs where !inp.isEmpty { lastUse[inp] = i }
        }
    }

    /// One recorded node of a forward pass.
    struct Entry {
        let index: Int
        let inputs: [NDArray?]
        let inputShapes: [[Int]?]
        let outputs: [NDArray?]
        let outputShapes: [[Int]]
        let aux: [NDArray]
    }

    /// What a forward pass leaves for the backward pass.
    public struct Tape {
        var entries: [Entry] = []
        /// Values asked for (objective values and `keep`).
        public var values: [String: NDArray] = [:]
        /// New BatchNorm running statistics (applied by `commit`).
        public var stateUpdates: [String: NDArray] = [:]
        /// Elements the tape holds, each shared buffer counted once (memory accounting).
        public var savedElements: Int {
            var seen = Set<UnsafeRawPointer>()
            var total = 0
            func count(_ a: NDArray?) {
                guard let a, case .float(let v) = a.storage else { total += a?.count ?? 0; return }
                let p = v.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
                if let p, !seen.insert(p).inserted { return }
                total += v.count
            }
            for e in entries {
                e.inputs.forEach(count)
                e.outputs.forEach(count)
                e.aux.forEach(count)
            }
            return total
        }
    }
}
