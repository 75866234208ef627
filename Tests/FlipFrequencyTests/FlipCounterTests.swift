import Runtime
import Testing
@testable import Train
@testable import FlipFrequency

/// Flip counting on a scripted weight history.
@Suite struct FlipCounterTests {
    static func w(_ v: [Float]) -> [String: NDArray] { ["w": NDArray(shape: [3, 2], floats: v)] }

    @Test func countsSignChangesPerWeight() {
        // weight:          0     1     2     3     4     5
        var c = FlipCounter(names: ["w"], parameters: Self.w([0.5, -0.1, 0.0, 1, 1, -2]))
        c.observe(Self.w([-0.5, -0.2, -0.1, 1, 1, -2]))   // flips: w0, w2 (0 counts as +)
        c.observe(Self.w([0.5, 0.3, -0.2, 1, 1, -2]))     // w0, w1
        c.observe(Self.w([-0.5, 0.3, 0.0, 1, 1, -2]))     // w0, w2
        c.observe(Self.w([-0.5, 0.3, 0.0, 1, -1, -2]))    // w4
        #expect(c.observations == 4)
        #expect(c.flips["w"] == [3, 1, 2, 0, 1, 0])
        #expect(c.share("w", threshold: 2) == 2.0 / 6)
        #expect(c.share("w", threshold: 1) == 4.0 / 6)
        // p = 1/3 of 3 channels → 1 channel; channel totals (rows of 2): 4, 2, 1 → channel 0.
        #expect(c.channelsToRemove("w", shape: [3, 2], threshold: 2) == [0])
        // p = 2/3 → 2 channels: 0 and 1.
        #expect(c.channelsToRemove("w", shape: [3, 2], threshold: 1) == [0, 1])
        // Never every channel.
        #expect(c.channelsToRemove("w", shape: [3, 2], threshold: 0) == [0, 1])
    }

    @Test func channelsAlongAnotherAxis() {
        // A [2, 3] weight whose output channels are axis 1 (Gemm without transB): columns.
        var c = FlipCounter(names: ["w"], parameters: Self.w([1, 1, 1, 1, 1, 1]).mapValues { NDArray(shape: [2, 3], floats: $0.floats) })
        let seq: [[Float]] = [[1, -1, 1, 1, -1, 1], [1, 1, 1, 1, 1, 1], [1, 1, -1, 1, 1, 1]]
        for v in seq { c.observe(["w": NDArray(shape: [2, 3], floats: v)]) }
        #expect(c.flips["w"] == [0, 2, 1, 0, 2, 0])
        // p = 2/6 of 3 columns → 1; column totals 0, 4, 1 → column 1.
        #expect(c.channelsToRemove("w", shape: [2, 3], axis: 1, threshold: 2) == [1])
        // As [3, 2] rows: totals 2, 1, 2 → the tie goes to the lower index.
        #expect(c.channelsToRemove("w", shape: [3, 2], axis: 0, threshold: 2) == [0])
    }

    @Test func hookObservesEveryStep() throws {
        let box = FlipCounterBox(FlipCounter(names: ["w"], parameters: Self.w([1, 1, 1, 1, 1, 1])))
        var p = Self.w([-1, 1, 1, 1, 1, 1])
        try FlipCounter.hooks(box).afterUpdate?(StepInfo(epoch: 0, step: 0, loss: 0, learningRate: 0), &p)
        #expect(box.value.flips["w"] == [1, 0, 0, 0, 0, 0])
    }
}
