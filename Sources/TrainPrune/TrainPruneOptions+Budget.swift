import Foundation

extension TrainPruneOptions {
    /// Whether a size or structure budget is set.
    var hasBudget: Bool { targetRatio != nil || targetNeuronShare != nil }

    /// Why the run stops after a passing stage with these counts, or nil while a budget
    /// (`targetRatio`, `targetNeuronShare`) is not reached or none is set.
    func budgetReached(_ count: SparsityCount, layers: [PrunableLayer]) -> String? {
        guard hasBudget else { return nil }
        var reasons: [String] = []
        if let r = targetRatio {
            let ratio = count.ratio
            guard ratio >= r else { return nil }
            reasons.append(String(format: "compression ratio %.1f× reached the target %.4g×", ratio, r))
        }
        if let f = targetNeuronShare {
            let hidden = layers.indices.filter { !layers[$0].isLast }
            let within = hidden.allSatisfy { Double(count.neurons[$0]) <= f * Double(layers[$0].neurons) }
            guard within else { return nil }
            let live = hidden.map { "\(count.neurons[$0])/\(layers[$0].neurons)" }.joined(separator: ", ")
            reasons.append(String(format: "every hidden layer at most %.4g%% of its neurons (%@)", 100 * f, live))
        }
        return reasons.joined(separator: " and ")
    }
}
