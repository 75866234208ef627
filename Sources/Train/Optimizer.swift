import Foundation
import Runtime

/// Parameter updates: SGD with momentum and weight decay, Adam (L2 decay) and AdamW
/// (decoupled decay), as PyTorch's `torch.optim` defines them.
public struct Optimizer: Sendable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case sgd, adam, adamw
    }

    public var kind: Kind
    public var momentum: Float
    public var weightDecay: Float
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    /// Steps taken (Adam's bias correction).
    public private(set) var steps = 0
    var first: [String: [Float]] = [:]
    var second: [String: [Float]] = [:]

    public init(kind: Kind, momentum: Float = 0.9, weightDecay: Float = 0) {
        self.kind = kind
        self.momentum = momentum
        self.weightDecay = weightDecay
    }

    /// Applies one update with learning rate `lr` to every parameter that has a gradient.
    public mutating func step(_ params: inout [String: NDArray], grads: [String: NDArray], lr: Float) {
        steps += 1
        let c1 = 1 - Foundation.pow(beta1, Float(steps)), c2 = 1 - Foundation.pow(beta2, Float(steps))
        for name in grads.keys.sorted() {
            guard let g = grads[name] else { continue }
            let gv = g.f
            params.updateFloats(name) { w in
                switch kind {
                case .sgd:
                    // Taken out of the table while updated (no copy of the buffer per step).
                    let fresh = first[name] == nil
                    var buf = first.removeValue(forKey: name) ?? [Float](repeating: 0, count: w.count)
                    for i in 0..<w.count {
                        let d = gv[i] + weightDecay * w[i]
                        buf[i] = momentum == 0 || fresh ? d : momentum * buf[i] + d
                        w[i] -= lr * buf[i]
                    }
                    first[name] = buf
                case .adam, .adamw:
                    var m = first.removeValue(forKey: name) ?? [Float](repeating: 0, count: w.count)
                    var v = second.removeValue(forKey: name) ?? [Float](repeating: 0, count: w.count)
                    let decoupled = kind == .adamw
                    for i in 0..<w.count {
                        var d = gv[i]
                        if decoupled { w[i] -= lr * weightDecay * w[i] } else { d += weightDecay * w[i] }
                        m[i] = beta1 * m[i] + (1 - beta1) * d
                        v[i] = beta2 * v[i] + (1 - beta2) * d * d
                        w[i] -= lr * (m[i] / c1) / ((v[i] / c2).squareRoot() + epsilon)
                    }
                    first[name] = m
                    second[name] = v
                }
            }
        }
    }
}

/// Learning rate over training.
public enum Schedule: Sendable, Equatable {
    case constant
    /// Multiply by `gamma` every `every` epochs.
    case step(every: Int, gamma: Double)
    /// Cosine from the base rate down to `floor` over all steps of training.
    case cosine(floor: Double)

    /// The rate at `step` of `totalSteps` (epoch `epoch`).
    public func rate(base: Double, epoch: Int, step: Int, totalSteps: Int) -> Double {
        switch self {
        case .constant: return base
        case let .step(every, gamma): return base * Foundation.pow(gamma, Double(epoch / max(every, 1)))
        case let .cosine(floor):
            let t = Double(step) / Double(max(totalSteps, 1))
            return floor + (base - floor) * 0.5 * (1 + Foundation.cos(Double.pi * t))
        }
    }
}
