import Testing
@testable import CABAC

/// `ContextWord.fixedOne`: the decoder's uniform level loop skips adapting a greater-than
/// context to a 1 when the context carries the mark, so the mark must mean exactly "the
/// states are a fixed point of adapting to a 1" and every other adaptation must clear it.
@Suite("fixed-point marks of saturated contexts")
struct ContextMarkTests {
    /// Context words with every pair of window sizes, walked through seeded bins (runs of
    /// ones reach saturation, zeros leave it).
    @Test func markMeansFixedPoint() {
        let t = RawTables.shared
        var rng = SeededGenerator(seed: 15)
        var marked = 0, checked = 0
        for initSet in 0..<9 {
            var model = ContextModel(initSet: initSet)
            var c = [model]
            c.withUnsafeMutableBufferPointer { p in
                let ctx = p.baseAddress!
                ContextWord.clearMarks(ctx, count: 1)
                for step in 0..<20_000 {
                    let w = ContextWord.load(ctx)
                    let states = ContextWord.adapted(w, bin: 1, fastNext: t.fastNext, steps: t.steps)
                    if w & ContextWord.fixedOne != 0 {
                        // A marked word is a fixed point of a 1 ...
                        #expect(states == UInt32(truncatingIfNeeded: w))
                        marked += 1
                    }
                    // ... and the model's own update agrees with the packed adaptation.
                    let bin: UInt32 = (step / 500) % 4 == 3 ? UInt32(rng.next() & 1) : 1
                    model.update(bin, fastNext: t.fastNext, steps: t.steps)
                    if bin == 1 {
                        ContextWord.adaptOne(ctx, w, fastNext: t.fastNext, steps: t.steps)
                    } else {
                        ContextWord.adaptClearingMark(ctx, w, bin: 0, fastNext: t.fastNext, steps: t.steps)
                        #expect(ContextWord.load(ctx) & ContextWord.fixedOne == 0)
                    }
                    let after = ctx.pointee
                    #expect(after.s0 == model.s0 && after.sum == model.sum && after.shift0 == model.shift0
                            && after.shift1 == model.shift1 && after.setIndex == model.setIndex)
                    checked += 1
                }
            }
        }
        #expect(marked > checked / 4, "runs of ones should saturate: \(marked) of \(checked) words marked")
    }
}
