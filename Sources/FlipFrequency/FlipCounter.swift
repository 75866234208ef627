import Runtime
import Train

/// Sign-flip counts of binary networks' latent weights (patent US 12,387,101).
///
/// The binarized weight is sign(w) with sign(0) = +1 (a latent weight at exactly 0 counts as
/// positive). Each observation compares every weight's sign with the previous observation's
/// and counts a flip where it changed. Per layer, p_l is the share of weights that flipped at
/// least `threshold` times over the observed interval; the channels to remove are that share of
/// the layer's output channels (axis 0), those whose weights flipped most in total first.
public struct FlipCounter: Sendable {
    /// Latent weight tensors observed, by name.
    public let names: [String]
    public private(set) var flips: [String: [Int]]
    public private(set) var observations = 0
    var last: [String: [Bool]]

    /// Starts counting from `parameters` (only `names` are observed).
    public init(names: [String], parameters: [String: NDArray]) {
        self.names = names
        last = Dictionary(uniqueKeysWithValues: names.compactMap { n in parameters[n].map { (n, $0.floats.map { $0 >= 0 }) } })
        flips = last.mapValues { [Int](repeating: 0, count: $0.count) }
    }

    /// Counts the flips since the last observation.
    public mutating func observe(_ parameters: [String: NDArray]) {
        observations += 1
        for n in names {
            guard let v = parameters[n]?.floats, var prev = last[n], var f = flips[n], v.count == prev.count else { continue }
            for i in 0..<v.count {
                let s = v[i] >= 0
                if s != prev[i] { f[i] += 1; prev[i] = s }
            }
            last[n] = prev
            flips[n] = f
        }
    }

    /// A training hook that observes after every optimizer step.
    public static func hooks(_ counter: FlipCounterBox) -> TrainingHooks {
        var h = TrainingHooks()
        h.afterUpdate = { _, params in counter.value.observe(params) }
        return h
    }

    /// p_l: the share of `name`'s weights with at least `threshold` flips.
    public func share(_ name: String, threshold: Int) -> Double {
        guard let f = flips[name], !f.isEmpty else { return 0 }
        return Double(f.filter { $0 >= threshold }.count) / Double(f.count)
    }

    /// The output channels (axis `axis` of a weight shaped `shape`) to remove from `name`:
    /// round(p_l × channels), most total flips first (ties: lower index first), at least one
    /// channel always kept.
    public func channelsToRemove(_ name: String, shape: [Int], axis: Int = 0, threshold: Int) -> [Int] {
        guard let f = flips[name], axis < shape.count, shape[axis] > 0, f.count == shape.reduce(1, *) else { return [] }
        let channels = shape[axis]
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
        var totals = [Int](repeating: 0, count: channels)
        for o in 0..<outer { for c in 0..<channels { for k in 0..<inner { totals[c] += f[(o * channels + c) * inner + k] } } }
        let k = min(channels - 1, Int((share(name, threshold: threshold) * Double(channels)).rounded()))
        let order = (0..<channels).sorted { totals[$0] != totals[$1] ? totals[$0] > totals[$1] : $0 < $1 }
        return Array(order.prefix(k)).sorted()
    }
}

/// A reference box so a training hook (an escaping closure) can update a counter.
public final class FlipCounterBox: @unchecked Sendable {
    public var value: FlipCounter
    public init(_ value: FlipCounter) { self.value = value }
}
