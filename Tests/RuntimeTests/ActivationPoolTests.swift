import Foundation
import Testing
import ONNXIO
@testable import Runtime

/// The session's activation pool: best-fit reuse, size bounds, copy-on-write safety, and
/// repeated runs that reuse every activation still matching onnxruntime; Winograd filters
/// cached per constant weight and not used for an overridden one.
@Suite struct ActivationPoolTests {
    @Test func takeIsBestFitWithinTwiceTheRequest() throws {
        let pool = ActivationPool(minimum: 100)
        for n in [1000, 3000, 10000] { pool.give([Float](repeating: 1, count: n)) }
        #expect(pool.take(1400) == nil)                     // 1000 too small, 3000 > 2·1400
        let a = try #require(pool.take(2000))
        #expect(a.count == 2000 && a.capacity >= 3000 && a.capacity < 10000)
        let b = try #require(pool.take(600))
        #expect(b.count == 600 && b.capacity >= 1000 && b.capacity < 3000)
        #expect(pool.take(6000) != nil)                     // the 10000 one
        #expect(pool.heldFloats == 0)
    }

    @Test func shortArraysGrowToTheRequest() throws {
        let pool = ActivationPool(minimum: 10)
        var a = [Float](repeating: 3, count: 500)
        a.reserveCapacity(900)
        a.removeLast(200)                                   // count 300, capacity ≥ 900
        pool.give(a)
        let b = try #require(pool.take(800))
        #expect(b.count == 800)
    }

    @Test func smallArraysAreNotKept() {
        let pool = ActivationPool(minimum: 2000)     // capacities round up a little
        pool.give([Float](repeating: 0, count: 999))
        #expect(pool.heldFloats == 0)
        #expect(pool.take(1999) == nil)
    }

    @Test func overTheLimitTheOldestGoFirst() {
        let pool = ActivationPool(minimum: 1, limit: 5000)
        for n in [1000, 3000, 4000] { pool.give([Float](repeating: 0, count: n)) }
        #expect(pool.heldFloats >= 4000 && pool.heldFloats <= 5000)
        #expect(pool.take(600) == nil && pool.take(1600) == nil)   // 1000 and 3000 were dropped; 4000 > 2·1600
        #expect(pool.take(3500) != nil)
    }

    @Test func aSharedArrayIsNotOverwritten() {
        let pool = ActivationPool(minimum: 1)
        let kept = (0..<1000).map(Float.init)
        pool.give(kept)
        let b = newFloats(pool, 1000) { p in p.update(repeating: 7, count: 1000) }
        #expect(kept == (0..<1000).map(Float.init))
        #expect(b == [Float](repeating: 7, count: 1000))
    }

    /// Every kernel case with every activation pooled: three runs of one session, each
    /// within the onnxruntime tolerance and the later ones identical to the first.
    @Test(arguments: KernelReferenceTests.cases)
    func repeatedRunsReuseActivations(_ name: String) throws {
        let (model, inputs, expected) = try KernelReferenceTests.load(name)
        var options = Session.Options()
        options.poolMinimum = 1
        let session = try Session(model: model, options: options)
        var first: [String: NDArray] = [:]
        for run in 0..<3 {
            let got = try session.run(inputs: inputs, outputs: Array(expected.keys))
            for (out, want) in expected {
                let g = try #require(got[out])
                let problem = compare(g, want, tol: 1e-5, exact: false)
                #expect(problem == nil, "\(name) output \(out), run \(run): \(problem ?? "")")
                if run == 0 { first[out] = g } else { #expect(g == first[out], "\(name) output \(out), run \(run)") }
            }
        }
    }

    /// A model whose activations pass through the pool between batches (testdata/manifest
    /// models, batch 64) gives the same logits as with the default pool threshold.
    @Test func wholeModelBatchesAgree() throws {
        let path = TestPaths.testdata("resnet_small.onnx")
        let x = try NPY.read(path: TestPaths.testdata("digits_test_x28.npy"))
        var options = Session.Options()
        options.poolMinimum = 1
        let pooled = try Session(path: path, options: options), plain = try Session(path: path)
        for start in stride(from: 0, to: 256, by: 64) {
            let batch = x.slice(rows: start..<start + 64)
            #expect(try pooled.run([batch]) == plain.run([batch]))
        }
        #expect(pooled.pool.heldFloats > 0)
    }

    /// Winograd's transformed filters are cached per constant weight: overriding weight and
    /// bias with 2·W and 2·b doubles the output (wino_3x3_p0 is one Conv) instead of reusing them.
    @Test func overriddenWeightBypassesTheFilterCache() throws {
        let (model, inputs, expected) = try KernelReferenceTests.load("wino_3x3_p0")
        let session = try Session(model: model)
        let conv = try #require(model.graph?.nodes.first { $0.opType == "Conv" })
        let out = try #require(expected.keys.first)
        let base = try #require(try session.run(inputs: inputs)[out])
        var doubled: [String: NDArray] = [:]
        for name in conv.inputs[1...2] {
            let v = try #require(session.initializer(name))
            doubled[name] = NDArray(shape: v.shape, floats: v.floats.map { 2 * $0 })
        }
        let got = try #require(try session.run(inputs: inputs, overrides: doubled)[out])
        let want = NDArray(shape: base.shape, floats: base.floats.map { 2 * $0 })
        #expect(compare(got, want, tol: 1e-6, exact: false) == nil)
        #expect(try session.run(inputs: inputs)[out] == base)
    }
}
