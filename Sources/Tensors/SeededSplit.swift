/// SplitMix64: the seeded generator of shuffling, dropout and initialisation.
public struct SplitMix: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1p-53 }
    /// Uniform in 0..<n.
    public mutating func next(below n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// The one seeded validation split: which rows of `count` samples validate and which train.
public enum SeededSplit {
    /// A seeded Fisher–Yates permutation of 0..<n.
    public static func permutation(_ n: Int, seed: UInt64) -> [Int] {
        var p = Array(0..<n)
        var rng = SplitMix(seed: seed)
        if n > 1 { for i in stride(from: n - 1, to: 0, by: -1) { p.swapAt(i, rng.next(below: i + 1)) } }
        return p
    }

    /// The first round(count × fraction) rows (at least 1) of a seeded permutation
    /// validate, the rest train; both lists ascending.
    public static func rows(count: Int, validationFraction: Double, seed: UInt64) -> (train: [Int], validation: [Int]) {
        let order = permutation(count, seed: seed)
        let nv = min(count, max(1, Int((Double(count) * validationFraction).rounded())))
        return (Array(order[nv...]).sorted(), Array(order[..<nv]).sorted())
    }
}
