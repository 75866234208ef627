import ONNXIO
import Runtime

/// Which values of a graph carry gradients, which nodes the backward pass visits, and what
/// the forward pass may free early.
struct GraphAnalysis {
    /// Values that depend on a gradient source through differentiable inputs.
    var active: Set<String> = []
    /// Nodes (indices) on a path from a source to the objective: the tape records these.
    var taped: Set<Int> = []
    /// Nodes the objective needs at all (run by the forward pass).
    var needed: [Bool] = []
    /// Sources (trainable tensors and requested intermediates) that reach the objective.
    var reachingSources: Set<String> = []

    static func displayName(_ n: Node, _ i: Int) -> String {
        if let s = n.name, !s.isEmpty { return s }
        return "#\(i) \(n.opType ?? "?")"
    }

    /// Analyses `nodes` for gradients from `sources` to `objective` values.
    init(nodes: [Node], sources: Set<String>, objective: [String]) throws {
        // Forward: activity.
        active = sources
        var candidates: [Int] = []
        for (i, n) in nodes.enumerated() {
            let op = n.opType ?? ""
            guard let rule = Derivatives.rules[op] else {
                if n.inputs.contains(where: active.contains) { candidates.append(i) }
                continue
            }
            let hit = n.inputs.enumerated().contains { rule.differentiable.contains($0.offset) && active.contains($0.element) }
            if hit {
                for o in n.outputs where !o.isEmpty { active.insert(o) }
                candidates.append(i)
            }
        }
        // Backward: what the objective depends on.
        var useful = Set(objective)
        needed = [Bool](repeating: false, count: nodes.count)
        for i in stride(from: nodes.count - 1, through: 0, by: -1) {
            let n = nodes[i]
            guard n.outputs.contains(where: useful.contains) else { continue }
            needed[i] = true
            for inp in n.inputs where !inp.isEmpty { useful.insert(inp) }
        }
        for i in candidates where needed[i] {
            let n = nodes[i], op = n.opType ?? ""
            guard Derivatives.rules[op] != nil, (n.domain ?? "").isEmpty || n.domain == "ai.onnx" else {
                throw TrainError(.missingRule, "\(op) node '\(GraphAnalysis.displayName(n, i))'",
                                 "no backward rule for \(op) on the path from a trainable tensor to the objective; freeze the tensors before it or remove the node")
            }
            taped.insert(i)
        }
        reachingSources = sources.filter(useful.contains)
    }
}
