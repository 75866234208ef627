import ONNXIO
import Tensors

/// Removes output channels of a binary layer and everything that only serves them: the
/// latent weight's rows (and bias), the per-channel parameters of the BatchNormalization
/// nodes on the way, and the input channels (or Flatten column blocks) of the layers that
/// read them. The removed channels' contributions are dropped, not compensated: the network
/// is retrained after each shrink (patent US 12,387,101).
///
/// Between a layer and its readers only channel-wise operators are followed (BatchNorm,
/// Sign, Relu, Identity, Clip with constant bounds, Max/Average pooling, Global pooling,
/// Flatten at axis 1); anything else, a graph output or a tensor shared with another node
/// throws `.unsupported` before anything changes.
public enum ChannelShrink {
    static let channelwise: Set<String> = ["Sign", "Relu", "Identity", "MaxPool", "AveragePool", "GlobalAveragePool",
                                           "GlobalMaxPool", "LeakyRelu", "Tanh", "HardTanh", "Clip", "Dropout"]

    /// `model` with `remove[layer.latent]` output channels of each binary layer removed.
    public static func apply(_ model: Model, layers: [BinaryLayer], remove: [String: [Int]]) throws -> Model {
        var m = model
        guard var g = m.graph else { throw FlipError(.notBinary, "model", "the model has no graph") }
        var edits = Edits(graph: g)
        let shapes: [String: [Int]]
        do { shapes = try ShapeInference.shapes(of: model) } catch {
            throw FlipError(.unsupported, "model", "cannot infer shapes: \(error)")
        }
        for l in layers {
            guard let r = remove[l.latent], !r.isEmpty else { continue }
            guard r.count < l.channels, r.allSatisfy({ $0 >= 0 && $0 < l.channels }) else {
                throw FlipError(.invalidOption, l.name, "cannot remove channels \(r) of \(l.channels)")
            }
            let node = g.nodes[l.node]
            try edits.drop(l.latent, Set(r), axis: l.outputAxis, by: l.name)
            if node.inputs.count > 2, !node.inputs[2].isEmpty {
                try edits.drop(node.inputs[2], Set(r), axis: 0, by: l.name)
            }
            try edits.follow(l.output, channels: Set(r), shapes: shapes, from: l.name)
        }
        try edits.commit(&g)
        m.graph = g
        return m
    }
}

/// The initializer changes one shrink makes, checked before any is written.
struct Edits {
    let graph: Graph
    var tensors: [String: NDArray] = [:]
    let consumers: [String: [Int]]
    let producer: [String: Int]
    let useCount: [String: Int]
    let outputs: Set<String>

    init(graph: Graph) {
        self.graph = graph
        var cons: [String: [Int]] = [:], prod: [String: Int] = [:], uses: [String: Int] = [:]
        for (i, n) in graph.nodes.enumerated() {
            for x in n.inputs where !x.isEmpty { cons[x, default: []].append(i); uses[x, default: 0] += 1 }
            for o in n.outputs where !o.isEmpty { prod[o] = i }
        }
        consumers = cons; producer = prod; useCount = uses
        outputs = Set(graph.outputs.compactMap(\.name))
    }

    /// Removes indices `r` along `axis` of initializer `name` (only read by one node).
    mutating func drop(_ name: String, _ r: Set<Int>, axis: Int, by who: String) throws {
        guard useCount[name, default: 0] == 1 else {
            throw FlipError(.unsupported, name, "the tensor is read by \(useCount[name, default: 0]) nodes; \(who) cannot shrink it alone")
        }
        let a: NDArray
        if let t = tensors[name] { a = t } else {
            guard let t = graph.initializer(named: name) else { throw FlipError(.unsupported, name, "not an initializer (read by \(who))") }
            do { a = try NDArray(tensor: t) } catch { throw FlipError(.unsupported, name, "unreadable: \(error)") }
        }
        guard axis < a.rank else { throw FlipError(.unsupported, name, "has no axis \(axis)") }
        tensors[name] = Self.removing(a, r, axis: axis)
    }

    static func removing(_ a: NDArray, _ r: Set<Int>, axis: Int) -> NDArray {
        let s = a.shape, n = s[axis]
        let outer = s[..<axis].reduce(1, *), inner = s[(axis + 1)...].reduce(1, *)
        let keep = (0..<n).filter { !r.contains($0) }
        let v = a.floats
        var out: [Float] = []
        out.reserveCapacity(outer * keep.count * inner)
        for o in 0..<outer { for k in keep { out += v[((o * n + k) * inner)..<((o * n + k + 1) * inner)] } }
        var shape = s
        shape[axis] = keep.count
        return NDArray(shape: shape, floats: out)
    }

    /// Follows the channels `r` (axis 1) of `value` to the layers that read them.
    mutating func follow(_ value: String, channels r: Set<Int>, shapes: [String: [Int]], from who: String) throws {
        guard !outputs.contains(value) else { throw FlipError(.unsupported, value, "\(who)'s channels reach a graph output") }
        for i in consumers[value] ?? [] {
            let n = graph.nodes[i], op = n.opType ?? "", name = n.name ?? n.outputs.first ?? op
            guard n.inputs.first == value else { throw FlipError(.unsupported, name, "\(op) reads \(who)'s channels as a parameter") }
            switch op {
            case "BatchNormalization":
                for p in n.inputs.dropFirst() { try drop(p, r, axis: 0, by: name) }
                try follow(n.outputs[0], channels: r, shapes: shapes, from: who)
            case _ where ChannelShrink.channelwise.contains(op):
                guard n.inputs.dropFirst().allSatisfy({ $0.isEmpty || graph.initializer(named: $0) != nil }) else {
                    throw FlipError(.unsupported, name, "\(op) has non-constant extra inputs")
                }
                try follow(n.outputs[0], channels: r, shapes: shapes, from: who)
            case "Flatten":
                guard (n.attribute("axis")?.i ?? 1) == 1, let s = shapes[value], s.count >= 2 else {
                    throw FlipError(.unsupported, name, "only Flatten at axis 1 is followed")
                }
                let block = s[2...].reduce(1, *)
                try follow(n.outputs[0], channels: Set(r.flatMap { c in (c * block)..<((c + 1) * block) }), shapes: shapes, from: who)
            case "Conv", "Gemm", "MatMul":
                try readerInputs(n, name: name, r)
            default:
                throw FlipError(.unsupported, name, "\(op) between \(who) and its readers is not handled")
            }
        }
    }

    /// Drops input channels `r` of a reading layer's weight (an initializer, Sign(latent) or
    /// Transpose(Sign(latent))).
    mutating func readerInputs(_ n: Node, name: String, _ r: Set<Int>) throws {
        let op = n.opType ?? ""
        if op == "Conv", (n.attribute("group")?.i ?? 1) != 1 { throw FlipError(.unsupported, name, "grouped Conv readers are not handled") }
        var w = n.inputs[1]
        var transposed = false
        for _ in 0..<2 {
            guard let p = producer[w] else { break }
            let pn = graph.nodes[p]
            guard useCount[w, default: 0] == 1, pn.inputs.count == 1 else { break }
            if pn.opType == "Transpose" { transposed.toggle(); w = pn.inputs[0] } else if pn.opType == "Sign" { w = pn.inputs[0] } else { break }
        }
        let axis: Int
        switch op {
        case "Conv": axis = 1
        case "Gemm": axis = ((n.attribute("transB")?.i ?? 0) != 0) != transposed ? 1 : 0
        default: axis = transposed ? 1 : 0
        }
        try drop(w, r, axis: axis, by: name)
    }

    /// Writes the changed initializers; drops the graph's intermediate shape annotations
    /// (value_info), which the shrink makes stale.
    func commit(_ g: inout Graph) throws {
        for i in g.initializers.indices {
            guard let n = g.initializers[i].name, let a = tensors[n] else { continue }
            g.initializers[i] = a.tensor(name: n)
        }
        g.valueInfo.removeAll()
    }
}
