import Testing
import ONNXIO
@testable import Runtime

/// y = x · W (no bias): a linear classifier whose logits are easy to predict.
private func linearModel(_ w: [Float], inputs: Int, classes: Int, softmax: Bool = false) throws -> Session {
    var g = Graph(name: "lin")
    g.inputs = [ValueInfo(name: "x", type: .tensor(.float, [.symbol("N"), .fixed(Int64(inputs))]))]
    g.outputs = [ValueInfo(name: softmax ? "p" : "y")]
    g.initializers = [Tensor(name: "w", dims: [Int64(inputs), Int64(classes)], floats: w)]
    g.nodes = [Node(opType: "MatMul", inputs: ["x", "w"], outputs: ["y"], name: "mm")]
    if softmax { g.nodes.append(Node(opType: "Softmax", inputs: ["y"], outputs: ["p"], name: "sm")) }
    return try Session(model: Model(irVersion: 8, opsetImports: [OperatorSetID(domain: "", version: 17)], graph: g))
}

@Suite struct AccuracyTests {
    @Test func topKAndCrossEntropy() throws {
        // Identity weights over 6 classes: the logits are the inputs.
        var w = [Float](repeating: 0, count: 36)
        for i in 0..<6 { w[i * 6 + i] = 1 }
        let s = try linearModel(w, inputs: 6, classes: 6)
        // Sample 0: class 2 best; sample 1: class 0 best, label 5 ranks 6th; sample 2: label 1 ranks 2nd.
        let x = NDArray(shape: [3, 6], floats: [0, 0, 5, 0, 0, 0,
                                                6, 5, 4, 3, 2, 1,
                                                1, 2, 3, 0, 0, 0])
        var calls: [(Int, Int)] = []
        let r = try s.evaluate(data: x, labels: [2, 5, 2], batchSize: 2) { calls.append(($0, $1)) }
        #expect(r.samples == 3)
        #expect(abs(r.top1 - 2.0 / 3) < 1e-12)
        #expect(abs(r.top5! - 2.0 / 3) < 1e-12)
        #expect(calls.map(\.0) == [2, 3] && calls.allSatisfy { $0.1 == 3 })
        func ce(_ row: [Double], _ l: Int) -> Double {
            let m = row.max()!
            return -(row[l] - m - row.map { exp($0 - m) }.reduce(0, +).logValue)
        }
        let want = (ce([0, 0, 5, 0, 0, 0], 2) + ce([6, 5, 4, 3, 2, 1], 5) + ce([1, 2, 3, 0, 0, 0], 2)) / 3
        #expect(abs(r.meanCrossEntropy - want) < 1e-5)
        #expect(r.samplesPerSecond > 0)
        // Probabilities (softmax output) give the same cross-entropy.
        let p = try linearModel(w, inputs: 6, classes: 6, softmax: true)
        let rp = try p.evaluate(data: x, labels: [2, 5, 2], batchSize: 64)
        #expect(abs(rp.meanCrossEntropy - want) < 1e-4)
        #expect(rp.top1 == r.top1)
        #expect(throws: RuntimeError.self) { try s.evaluate(data: x, labels: [0, 1]) }
        #expect(throws: RuntimeError.self) { try s.evaluate(data: x, labels: [0, 1, 9]) }
    }

    @Test func fewClassesHaveNoTop5() throws {
        let s = try linearModel([1, 0, 0, 1], inputs: 2, classes: 2)
        let r = try s.evaluate(data: NDArray(shape: [2, 2], floats: [1, 0, 0, 1]), labels: [0, 0])
        #expect(r.top5 == nil && r.top1 == 0.5)
    }

    @Test func fidelityOfTwoModels() throws {
        let a = try linearModel([1, 0, 0, 1], inputs: 2, classes: 2)
        let b = try linearModel([1, 0, 0, 1.5], inputs: 2, classes: 2)
        let x = NDArray(shape: [2, 2], floats: [1, 0, 0, 2])
        let same = try a.fidelity(against: a, data: ["x": x])
        #expect(same.maxAbsDiff == 0 && same.meanCosineSimilarity == 1 && same.top1Agreement == 1)
        let r = try compareOutputs(reference: a, candidate: b, data: ["x": x], batchSize: 1)
        #expect(r.samples == 2)
        #expect(r.maxAbsDiff == 1)
        #expect(r.meanAbsDiff == 0.25)
        #expect(abs(r.meanCosineSimilarity - 1) < 1e-12)
        #expect(r.top1Agreement == 1)
    }
}

private extension Double {
    var logValue: Double { log(self) }
}

#if canImport(Glibc)
import Glibc
#endif
