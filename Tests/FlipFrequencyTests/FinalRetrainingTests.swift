import Foundation
import ONNXIO
import Runtime
import Testing
import TestSupport
@testable import FlipFrequency
@testable import Train

/// The last retraining on every sample, round 0 alone, and BatchNorm statistics recomputed
/// from data.
@Suite struct FinalRetrainingTests {
    static func digits(_ n: Int) throws -> Dataset {
        let x = try NPY.read(path: TestData.path("digits_calib_x28.npy")).cast(to: .float32)
        let y = try NPY.read(path: TestData.path("digits_calib_y.npy")).int64s
        return try Dataset(inputs: x, labels: y).rows(Array(0..<n))
    }

    static func shortOptions() -> FlipPruneOptions {
        var o = FlipPruneOptions()
        o.intervalEpochs = 1; o.retrainEpochs = 1; o.maxRounds = 1; o.deltaAcc = 0.99; o.flipThreshold = 1
        o.learningRate = 0.05; o.batchSize = 16
        return o
    }

    /// A short run with one final epoch: it trains on training and validation samples
    /// together, keeps the last round's channels, and the result runs, saves and reloads.
    @Test func finalRetrainingRunsOnEverySampleAndKeepsTheModelValid() throws {
        let model = try Model.load(path: TestData.path("bnn_nin.onnx"))
        let all = try Self.digits(112)
        let train = all.rows(Array(0..<80)), val = all.rows(Array(80..<112))
        var o = Self.shortOptions()
        o.finalEpochs = 1
        let (pruned, r) = try FlipPruner.prune(model, train: train, validation: val, options: o)
        let f = try #require(r.finalRetraining)
        #expect(f.epochs == 1 && f.samples == 112)
        let last = try #require(r.final)
        #expect(try BinaryLayer.find(in: pruned).map(\.channels) == last.channels)
        // Without the final step the same run gives other weights (the step did train).
        o.finalEpochs = 0
        let (unchanged, r0) = try FlipPruner.prune(model, train: train, validation: val, options: o)
        #expect(r0.finalRetraining == nil && r0.rounds.map(\.channels) == r.rounds.map(\.channels))
        let name = try BinaryLayer.find(in: pruned)[0].latent
        #expect(try NDArray(tensor: #require(pruned.graph?.initializer(named: name))).floats
                != NDArray(tensor: #require(unchanged.graph?.initializer(named: name))).floats)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("flip-final-\(getpid()).onnx").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try pruned.save(to: path)
        let y = try Session(model: try Model.load(path: path)).run([all.inputs.slice(rows: 0..<8)])["logits"]!
        #expect(y.shape == [8, 10] && y.floats.allSatisfy(\.isFinite))
        let latent = try NDArray(tensor: #require(pruned.graph?.initializer(named: name))).floats
        #expect(latent.allSatisfy { abs($0) <= 1 }, "latent weights stay clipped")
    }

    /// `maxRounds` 0 runs round 0 alone: the unpruned network retrained.
    @Test func roundZeroAlone() throws {
        let model = try Model.load(path: TestData.path("bnn_nin.onnx"))
        let all = try Self.digits(64)
        var o = Self.shortOptions()
        o.maxRounds = 0
        let (m, r) = try FlipPruner.prune(model, train: all.rows(Array(0..<48)), validation: all.rows(Array(48..<64)), options: o)
        #expect(r.rounds.count == 1 && r.rounds[0].channels == [24, 48, 48, 48] && r.stopped == "max rounds (0): round 0 only")
        #expect(try BinaryLayer.find(in: m).map(\.channels) == [24, 48, 48, 48])
    }

    @Test func negativeSettingsAreRefused() {
        var o = FlipPruneOptions()
        o.finalEpochs = -1
        #expect(throws: FlipError(.invalidOption, "final epochs", "must not be negative, got -1")) { try o.validate() }
        o = FlipPruneOptions()
        o.maxRounds = -2
        #expect(throws: FlipError(.invalidOption, "max rounds", "must not be negative, got -2")) { try o.validate() }
    }

    /// One batch: the first BatchNorm's running mean and variance become its input's mean and
    /// unbiased variance over the data; any batch size gives the same mean.
    @Test func batchNormStatisticsFromData() throws {
        let model = try Model.load(path: TestData.path("bnn_nin.onnx"))
        let data = try Self.digits(40)
        let graph = try GradientGraph(model: model)
        let x = try graph.forward(inputs: ["input": data.inputs], training: false, keep: ["/conv1/Conv_output_0"], record: false)
            .values["/conv1/Conv_output_0"]!
        let (n, c, s) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        try BatchNormStatistics.recompute(graph, data: data, batchSize: 64)
        let mean = graph.parameters["bn1.running_mean"]!.floats, variance = graph.parameters["bn1.running_var"]!.floats
        let v = x.floats
        for ch in 0..<c {
            var vals: [Double] = []
            for i in 0..<n {
                let start: Int = (i * c + ch) * s
                for k in start..<(start + s) { vals.append(Double(v[k])) }
            }
            let mu: Double = vals.reduce(0, +) / Double(vals.count)
            var ss = 0.0
            for x in vals { ss += (x - mu) * (x - mu) }
            let va: Double = ss / Double(vals.count - 1)
            #expect(abs(Double(mean[ch]) - mu) <= 1e-4 * max(1, abs(mu)), "channel \(ch)")
            #expect(abs(Double(variance[ch]) - va) <= 1e-3 * max(1, va), "channel \(ch)")
        }
        // Batches of 16, 16 and 8: the sample-weighted mean of batch means is the same mean.
        let g2 = try GradientGraph(model: model)
        try BatchNormStatistics.recompute(g2, data: data, batchSize: 16)
        let m2 = g2.parameters["bn1.running_mean"]!.floats
        #expect(zip(mean, m2).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($0)) })
        // Trainable parameters are untouched.
        #expect(g2.parameters["conv1.weight"] == graph.parameters["conv1.weight"])
    }
}
