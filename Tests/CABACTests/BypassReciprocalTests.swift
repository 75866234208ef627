import Testing
@testable import CABAC

/// The level decoder's bypass quotient `value / (range << 7)` by a multiply with
/// `RawTables.bypassReciprocal(range:)` instead of a division, for every range the decoder
/// can hold (256...510).
@Suite("bypass bins by reciprocal")
struct BypassReciprocalTests {
    /// The reciprocal quotient never falls below the true one and rises with the value, so
    /// within one step of the true quotient it can only be wrong at the step's last value;
    /// there its excess over the true quotient grows with the value, so exactness at the
    /// largest quotients implies it for all smaller ones. Checked at both ends of the first
    /// and the last 1024 quotients of every range (the 32-bit value's whole span).
    @Test func exactAtQuotientBoundaries() {
        let lpsBySum = RawTables.shared.lpsBySum
        var wrong: [String] = []
        var checked = 0
        for range in UInt32(256)...510 {
            let scaled = UInt64(range) << 7
            let last = UInt64(UInt32.max) / scaled
            for q in Array(0..<1024) + Array((last - 1023)...last) {
                let low = UInt64(q) * scaled
                for value in [low, min(low + scaled - 1, UInt64(UInt32.max))]
                where UInt64(RawTables.bypassQuotient(UInt32(value), range: range, lpsBySum: lpsBySum)) != value / scaled {
                    wrong.append("range \(range) value \(value)")
                }
                checked += 2
            }
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(5))")
        #expect(checked == 255 * 2048 * 2)
    }

    /// Seeded random values against the division, including values whose quotient exceeds
    /// the eight bins of a group (possible only in damaged streams).
    @Test func agreesWithDivisionOnRandomValues() {
        var rng = SeededGenerator(seed: 15)
        let lpsBySum = RawTables.shared.lpsBySum
        var wrong: [String] = []
        for _ in 0..<50_000 {
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
