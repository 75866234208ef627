import TestSupport
typealias SeededGenerator = TestSupport.SeededRandom

/// Levels with a chosen shape of distribution.
enum LevelDistribution: CaseIterable, CustomStringConvertible {
    case zeros, sparse, laplacian, heavyTail, huge
    var description: String {
        switch self {
        case .zeros: return "zeros"
        case .sparse: return "sparse"
        case .laplacian: return "laplacian"
        case .heavyTail: return "heavyTail"
        case .huge: return "huge"
        }
    }

    func sample(_ rng: inout SeededGenerator) -> Int32 {
        switch self {
        case .zeros: return 0
        case .sparse: return Int.random(in: 0..<10, using: &rng) == 0 ? Int32.random(in: -3...3, using: &rng) : 0
        case .laplacian:
            let u = Double.random(in: 0.0001..<1, using: &rng)
            let m = Int32(-2.5 * log(u))
            return Bool.random(using: &rng) ? m : -m
        case .heavyTail:
            let e = Int.random(in: 0...16, using: &rng)
            let m = Int32.random(in: 0...(Int32(1) << e), using: &rng)
            return Bool.random(using: &rng) ? m : -m
        case .huge:
            let m = Int32.random(in: 0...(Int32.max - 1), using: &rng)
            return Bool.random(using: &rng) ? m : -m
        }
    }
}

import Foundation
