import Foundation
import ONNXIO
import Runtime
import Train

/// What ranks weights for static unstructured pruning.
public enum WeightRanking: String, Sendable, Codable, CaseIterable {
    /// Shannon–Hartley criticality (lowest first).
    case capacity
    /// |w| (lowest first).
    case magnitude
}

/// Zeroing the weights with the lowest scores, globally or per layer.
public enum ScorePruning {
    /// A weight's position: layer index in `CapacityAnalysis.layers` and flat element index.
    public struct Position: Sendable, Equatable, Hashable, Codable {
        public var layer: Int
        public var index: Int
    }

    /// Scores of `analysis`'s weights by `ranking`, per layer.
    public static func scores(_ analysis: CapacityAnalysis, _ ranking: WeightRanking) -> [[Double]] {
        analysis.layers.map { l in ranking == .capacity ? l.shc : l.values.map { Double(abs($0)) } }
    }

    /// All weights in ascending score order (ties: layer order, then element order).
    public static func ascending(_ scores: [[Double]]) -> [Position] {
        var all: [(Double, Position)] = []
        for (li, s) in scores.enumerated() { for (j, v) in s.enumerated() { all.append((v, Position(layer: li, index: j))) } }
        all.sort { $0.0 != $1.0 ? $0.0 < $1.0 : ($0.1.layer, $0.1.index) < ($1.1.layer, $1.1.index) }
        return all.map(\.1)
    }

    /// The weights to zero for `sparsity` in [0, 1): the lowest round(s·N) scores over all
    /// layers, or with `perLayer` the lowest round(s·n_l) of each layer.
    public static func selection(_ scores: [[Double]], sparsity: Double, perLayer: Bool) throws -> [Position] {
        guard sparsity >= 0 && sparsity < 1 else {
            throw CriticalityError(.invalidOption, "sparsity", "must be in [0, 1), got \(sparsity)")
        }
        if !perLayer {
            let order = ascending(scores)
            return Array(order.prefix(Int((sparsity * Double(order.count)).rounded())))
        }
        return scores.enumerated().flatMap { li, s -> [Position] in
            let order = ascending([s]).map { Position(layer: li, index: $0.index) }
            return Array(order.prefix(Int((sparsity * Double(s.count)).rounded())))
        }
    }

    /// `analysis`'s weights with `positions` set to zero, by weight name.
    public static func zeroed(_ analysis: CapacityAnalysis, _ positions: some Sequence<Position>) -> [String: [Float]] {
        var w = Dictionary(uniqueKeysWithValues: analysis.layers.map { ($0.weight, $0.values) })
        for p in positions { w[analysis.layers[p.layer].weight]![p.index] = 0 }
        return w
    }

    /// `model` with the lowest-ranked weights zeroed (graph and data types unchanged).
    public static func prune(_ model: Model, analysis: CapacityAnalysis, ranking: WeightRanking,
                             sparsity: Double, perLayer: Bool) throws -> (Model, pruned: Int) {
        let sel = try selection(scores(analysis, ranking), sparsity: sparsity, perLayer: perLayer)
        let gg = try GradientGraph(model: model, trainable: Set(analysis.layers.map(\.weight)))
        for (name, v) in zeroed(analysis, sel) { gg.parameters[name] = NDArray(shape: gg.parameters[name]!.shape, floats: v) }
        return (try gg.updatedModel(), sel.count)
    }
}
