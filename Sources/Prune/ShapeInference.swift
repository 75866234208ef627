import ONNXIO
import Runtime

/// Shapes of every value of a graph, found by running it once on one sample.
///
/// Symbolic dimensions of the graph inputs become 1 and the inputs are zeros, so the
/// shapes are those of a batch of one; the channel axes the passes care about do not
/// depend on the batch.
enum ShapeInference {
    static func shapes(_ model: Model) throws -> [String: [Int]] {
        guard let g = model.graph else { throw PruneError("the model has no graph") }
        let session: Session
        do { session = try Session(model: model) } catch {
            throw PruneError("cannot run the model to infer shapes: \(error)")
        }
        var feed: [String: NDArray] = [:]
        for name in session.inputNames {
            let info = session.inputInfo[name]
            guard let dims = info?.shape else { throw PruneError("input '\(name)' has no declared shape; shapes cannot be inferred") }
            feed[name] = NDArray(zeros: dims.map { $0 ?? 1 }, type: info?.type ?? .float32)
        }
        var wanted = Set<String>()
        var consumed = Set<String>()
        for n in g.nodes { for x in n.inputs where !x.isEmpty { consumed.insert(x) } }
        for o in g.outputs { if let n = o.name { consumed.insert(n) } }
        for n in g.nodes {
            if let o = n.outputs.first, !o.isEmpty { wanted.insert(o) }
            for o in n.outputs where consumed.contains(o) { wanted.insert(o) }
        }
        let values: [String: NDArray]
        do { values = try session.run(inputs: feed, outputs: Array(wanted)) } catch {
            throw PruneError("cannot run the model to infer shapes: \(error)")
        }
        var shapes: [String: [Int]] = [:]
        for (k, v) in feed { shapes[k] = v.shape }
        for (k, v) in values { shapes[k] = v.shape }
        for t in g.initializers { if let n = t.name { shapes[n] = t.dims.map { Int($0) } } }
        return shapes
    }
}

/// A pruning or simplification failure, printed as one line.
public struct PruneError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ d: String) { description = d }
}
