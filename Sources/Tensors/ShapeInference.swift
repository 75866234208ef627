import ONNXIO

/// Static shapes of every value of a graph, from the declared input shapes and the
/// operators' rules — no inference session, no data.
///
/// Symbolic dimensions of the graph inputs become `symbolicDimension` (1: the shapes of a
/// batch of one; the channel axes the pruning passes care about do not depend on it).
/// Small integer tensors whose values are known (initializers, `Constant`, `Shape` and the
/// arithmetic exporters build on them) are propagated, so `Reshape`, `Expand`, `Slice`,
/// `ConstantOfShape` … get their target shapes. An operator without a rule, or a shape that
/// depends on data, is an error naming the node.
public enum ShapeInference {
    /// Integer values propagated at most this many elements long.
    static let valueLimit = 1 << 16

    /// `inputShapes` replaces the declared shapes of the graph inputs it names.
    public static func shapes(of model: Model, inputShapes: [String: [Int]] = [:],
                              symbolicDimension: Int = 1) throws(TensorError) -> [String: [Int]] {
        guard let g = model.graph else { throw .shapeInference(node: "", message: "the model has no graph") }
        var state = ShapeState()
        for t in g.initializers {
            guard let name = t.name else { continue }
            state.shapes[name] = t.dims.map { Int($0) }
            state.record(name, tensor: t)
        }
        for vi in g.inputs {
            guard let name = vi.name, state.shapes[name] == nil else { continue }
            if let given = inputShapes[name] { state.shapes[name] = given; continue }
            guard let dims = vi.type?.tensorType?.shape?.dims else {
                throw .shapeInference(node: name, message: "graph input '\(name)' has no declared shape")
            }
            state.shapes[name] = dims.map { d in
                if case .value(let v)? = d.value { return Int(v) }
                return symbolicDimension
            }
        }
        for (i, n) in g.nodes.enumerated() {
            let label = n.name.flatMap { $0.isEmpty ? nil : $0 } ?? "#\(i) \(n.opType ?? "")"
            do {
                try ShapeRules.apply(n, &state)
            } catch let e as ShapeRules.Failure {
                throw .shapeInference(node: label, message: "\(n.opType ?? "?"): \(e.message)")
            } catch {
                throw .shapeInference(node: label, message: "\(n.opType ?? "?"): \(error)")
            }
        }
        return state.shapes
    }
}

/// Shapes and known integer values while walking a graph.
struct ShapeState {
    var shapes: [String: [Int]] = [:]
    var values: [String: [Int64]] = [:]

    mutating func record(_ name: String, tensor t: Tensor) {
        guard !t.dataType.isFloatingPoint, t.dims.reduce(1, *) <= ShapeInference.valueLimit,
              let v = try? t.int64Values() else { return }
        values[name] = v
    }
}
