import Testing
@testable import CABAC

/// The level decoder's bypass quotient `value / (range << 7)` by a multiply with
/// `RawTables.bypassReciprocal(range:)` instead of a division, for every range the decoder
/// can hold (256...510).
@Suite("bypass bins by reciprocal")
struct BypassReciprocalTests {
    /// The reciprocal quotient never falls below the true one and rises with the value, so
    /// it is exact everywhere when it is exact at the last value before each step of the
    /// true quotient (and at the step itself): every quotient 0...2^25/range is checked at
    /// both ends, which covers every 32-bit value.
    @Test func exactAtEveryQuotientBoundary() {
        let tables = RawTables.shared
        var checked = 0
        for range in UInt32(256)...510 {
            let scaled = UInt64(range) << 7
            var q: UInt64 = 0
            while q * scaled <= UInt64(UInt32.max) {
                let low = q * scaled
                let high = min(low + scaled - 1, UInt64(UInt32.max))
                for value in [low, high] {
                    let got = RawTables.bypassQuotient(UInt32(value), range: range, lpsBySum: tables.lpsBySum)
                    if UInt64(got) != value / scaled {
                        Issue.record("range \(range) value \(value): \(got), expected \(value / scaled)")
                        return
                    }
                    checked += 1
                }
                q += 1
            }
        }
        #expect(checked > 255 * 2 * 100_000)
    }

    /// Seeded random values against the division, including values whose quotient exceeds
    /// the eight bins of a group (possible only in damaged streams).
    @Test func agreesWithDivisionOnRandomValues() {
        var rng = SeededGenerator(seed: 15)
        let lpsBySum = RawTables.shared.lpsBySum
        var wrong: [String] = []
        for _ in 0..<200_000 {
            let range = UInt32.random(in: 256...510, using: &rng)
            let value = UInt32.random(in: 0...UInt32.max, using: &rng)
            for v in [value, value % (range << 15)]
            where RawTables.bypassQuotient(v, range: range, lpsBySum: lpsBySum) != v / (range << 7) {
                wrong.append("range \(range) value \(v)")
            }
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(5))")
    }
}
