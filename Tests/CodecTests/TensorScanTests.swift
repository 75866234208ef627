import Testing
@testable import Codec
import ONNXIO
import TestSupport

/// The in-place magnitude scan of float32 tensors that decides their role.
@Suite("tensor magnitude scan")
struct TensorScanTests {
    private func reference(_ v: [Float]) -> (Bool, Float) {
        guard v.allSatisfy({ $0.isFinite }) else { return (false, .infinity) }
        return (true, v.reduce(Float(0)) { max($0, abs($1)) })
    }

    @Test("float32 raw data scanned as bits agrees with the values, special values included")
    func agrees() throws {
        var rng = SeededRandom(seed: 1515)
        let specials: [Float] = [0, -0.0, .leastNonzeroMagnitude, -.leastNormalMagnitude, .greatestFiniteMagnitude,
                                 -.greatestFiniteMagnitude, .infinity, -.infinity, .nan, -.nan, 1e-40, -3.5]
        for trial in 0..<200 {
            let n = Int(rng.next() % 300) + 1
            var v = (0..<n).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()) & 0x7F7F_FFFF) * (rng.next() % 2 == 0 ? 1 : -1) }
            if trial % 3 == 0 { v[Int(rng.next() % UInt64(n))] = specials[Int(rng.next() % UInt64(specials.count))] }
            if trial % 7 == 0 { v = v.map { $0 * 1e-30 } }
            var t = Tensor(name: "w", dataType: .float, dims: [Int64(n)])
            try t.setFloatValues(v)
            let scan = try #require(TensorPlan.magnitude(of: t))
            let (finite, largest) = reference(v)
            #expect(scan.finite == finite, "trial \(trial)")
            if finite { #expect(scan.largest.bitPattern == largest.bitPattern, "trial \(trial)") }
        }
    }
}

/// The trellis step's hard-coded connections.
@Suite("DQ trellis connections")
struct TrellisConnectionTests {
    @Test("the incoming branches hard-coded in the Viterbi step are the trellis table's")
    func incoming() {
        #expect(trellisIncoming == hardCodedIncoming)
        // Each state has exactly one zero branch (3·prev + 1), and every outgoing branch is used once.
        for s in 0..<8 { #expect(hardCodedIncoming[3 * s ..< 3 * s + 3].filter { $0 % 3 == 1 }.count == 1) }
        #expect(Set(hardCodedIncoming) == Set(0..<24))
    }
}
