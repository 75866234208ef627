/// Every place a model keeps tensor data: initializers and sparse initializers of the main
/// graph and of every subgraph (If/Loop/Scan bodies), and the values of `Constant` nodes
/// (`value`, `value_floats`, `value_ints`, `sparse_value`).
///
/// A location names its tensor by the initializer's name or, for a `Constant` node, by the
/// node's output; sparse tensors contribute two tensors, `NAME.values` and `NAME.indices`.
public struct TensorLocation: Hashable, Sendable {
    /// One step from a graph into a subgraph held by a node attribute.
    public struct Step: Hashable, Sendable {
        public var node: Int
        public var attribute: Int
        /// Index into the attribute's `graphs`, or nil for its single graph `g`.
        public var graph: Int?
    }
    public enum Part: Hashable, Sendable { case tensor, sparseValues, sparseIndices, floats, ints }
    public enum Slot: Hashable, Sendable {
        case initializer(Int)
        case sparseInitializer(Int)
        case attribute(node: Int, attribute: Int)
    }

    public var path: [Step]
    public var slot: Slot
    public var part: Part

    /// True for `Constant` lists (`value_floats`, `value_ints`): 1-D, any length.
    public var isList: Bool { part == .floats || part == .ints }
}

/// A tensor and where it lives.
public struct LocatedTensor: Sendable {
    public var location: TensorLocation
    /// The data as a tensor named for the stream (lists become 1-D float32/int64 tensors).
    public var tensor: Tensor
}

extension Model {
    /// Every stored tensor of the model, main graph first, subgraphs in node order.
    public func locatedTensors() -> [LocatedTensor] {
        guard let g = graph else { return [] }
        var out: [LocatedTensor] = []
        Self.collect(g, path: [], into: &out)
        return out
    }

    /// Replaces the data at `location` with `tensor`'s payload (name and attribute kind stay).
    public mutating func setTensor(_ tensor: Tensor, at location: TensorLocation) {
        guard graph != nil else { return }
        Self.update(&graph!, path: location.path[...]) { g in Self.store(tensor, in: &g, location: location) }
    }

    /// The tensor at `location`, as `locatedTensors()` names it.
    public func tensor(at location: TensorLocation) -> Tensor? {
        guard var g = graph else { return nil }
        for step in location.path {
            guard g.nodes.indices.contains(step.node), g.nodes[step.node].attributes.indices.contains(step.attribute) else { return nil }
            let a = g.nodes[step.node].attributes[step.attribute]
            guard let sub = step.graph.map({ a.graphs.indices.contains($0) ? a.graphs[$0] : nil }) ?? a.g else { return nil }
            g = sub
        }
        var found: [LocatedTensor] = []
        Self.collect(g, path: location.path, into: &found, recurse: false)
        return found.first { $0.location == location }?.tensor
    }

    private static func collect(_ g: Graph, path: [TensorLocation.Step], into out: inout [LocatedTensor], recurse: Bool = true) {
        func add(_ t: Tensor, _ slot: TensorLocation.Slot, _ part: TensorLocation.Part) {
            out.append(LocatedTensor(location: TensorLocation(path: path, slot: slot, part: part), tensor: t))
        }
        for (i, t) in g.initializers.enumerated() { add(t, .initializer(i), .tensor) }
        for (i, s) in g.sparseInitializers.enumerated() {
            let base = s.values?.name ?? ""
            if var v = s.values { v.name = base + ".values"; add(v, .sparseInitializer(i), .sparseValues) }
            if var x = s.indices { x.name = base + ".indices"; add(x, .sparseInitializer(i), .sparseIndices) }
        }
        for (n, node) in g.nodes.enumerated() {
            let isConstant = node.opType == "Constant" && (node.domain ?? "").isEmpty && node.outputs.count == 1
            for (k, a) in node.attributes.enumerated() {
                if isConstant, let t = constantTensor(a, name: node.outputs[0]) {
                    for (part, tensor) in t { add(tensor, .attribute(node: n, attribute: k), part) }
                }
                guard recurse else { continue }
                if let sub = a.g { collect(sub, path: path + [.init(node: n, attribute: k, graph: nil)], into: &out) }
                for (j, sub) in a.graphs.enumerated() {
                    collect(sub, path: path + [.init(node: n, attribute: k, graph: j)], into: &out)
                }
            }
        }
    }

    /// The tensors a `Constant` attribute holds, named `name` (scalars and strings: none).
    private static func constantTensor(_ a: Attribute, name: String) -> [(TensorLocation.Part, Tensor)]? {
        switch a.name {
        case "value":
            guard var t = a.t else { return nil }
            t.name = name
            return [(.tensor, t)]
        case "value_floats":
            return [(.floats, Tensor(name: name, dims: [Int64(a.floats.count)], floats: a.floats))]
        case "value_ints":
            return [(.ints, Tensor(name: name, dataType: .int64, dims: [Int64(a.ints.count)], rawData: TensorBytes(elements: a.ints)))]
        case "sparse_value":
            guard let s = a.sparseTensor else { return nil }
            var parts: [(TensorLocation.Part, Tensor)] = []
            if var v = s.values { v.name = name + ".values"; parts.append((.sparseValues, v)) }
            if var x = s.indices { x.name = name + ".indices"; parts.append((.sparseIndices, x)) }
            return parts
        default:
            return nil
        }
    }

    private static func update(_ g: inout Graph, path: ArraySlice<TensorLocation.Step>, _ body: (inout Graph) -> Void) {
        guard let step = path.first else { body(&g); return }
        guard g.nodes.indices.contains(step.node), g.nodes[step.node].attributes.indices.contains(step.attribute) else { return }
        if let j = step.graph {
            guard g.nodes[step.node].attributes[step.attribute].graphs.indices.contains(j) else { return }
            update(&g.nodes[step.node].attributes[step.attribute].graphs[j], path: path.dropFirst(), body)
        } else if g.nodes[step.node].attributes[step.attribute].g != nil {
            update(&g.nodes[step.node].attributes[step.attribute].g!, path: path.dropFirst(), body)
        }
    }

    /// Copies `t`'s payload into the slot, keeping the stored tensor's own name.
    private static func store(_ t: Tensor, in g: inout Graph, location: TensorLocation) {
        func merged(_ old: Tensor?) -> Tensor {
            var n = t
            n.name = old?.name
            return n
        }
        switch location.slot {
        case .initializer(let i):
            guard g.initializers.indices.contains(i) else { return }
            g.initializers[i] = merged(g.initializers[i])
        case .sparseInitializer(let i):
            guard g.sparseInitializers.indices.contains(i) else { return }
            if location.part == .sparseValues { g.sparseInitializers[i].values = merged(g.sparseInitializers[i].values) }
            if location.part == .sparseIndices { g.sparseInitializers[i].indices = merged(g.sparseInitializers[i].indices) }
        case .attribute(let n, let k):
            guard g.nodes.indices.contains(n), g.nodes[n].attributes.indices.contains(k) else { return }
            var a = g.nodes[n].attributes[k]
            switch location.part {
            case .tensor: a.t = merged(a.t)
            case .floats: a.floats = (try? t.floatValues()) ?? []
            case .ints: a.ints = (try? t.int64Values()) ?? []
            case .sparseValues:
                let old = a.sparseTensor?.values
                a.sparseTensor?.values = merged(old)
            case .sparseIndices:
                let old = a.sparseTensor?.indices
                a.sparseTensor?.indices = merged(old)
            }
            g.nodes[n].attributes[k] = a
        }
    }
}
