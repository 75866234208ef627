import Foundation
import ONNXIO
import Prune
import Runtime
import Testing
import TestSupport
@testable import FlipFrequency
@testable import Train

/// Flip-frequency rounds, bad input, and the binary network's compression path.
@Suite struct FlipPrunerTests {
    static func tmp(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("flip-\(getpid())-\(name)").path
    }

    @Test func modelWithoutBinaryWeightsIsOneLineErrorAndNoOutput() throws {
        let out = Self.tmp("lenet5.onnx")
        let r = FlipPruner.Request(model: TestData.path("lenet5.onnx"), data: TestData.path("digits_calib_x28.npy"),
                                   labels: TestData.path("digits_calib_y.npy"), output: out)
        #expect(throws: FlipError(.notBinary, TestData.path("lenet5.onnx"),
                                  "no Conv, Gemm or MatMul computes with Sign(initializer); flip-frequency pruning needs a binary network with latent weights")) {
            try FlipPruner.run(r)
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func missingDataIsAnErrorAndNoOutput() throws {
        let out = Self.tmp("missing.onnx")
        let r = FlipPruner.Request(model: TestData.path("bnn_nin.onnx"), data: "/nonexistent/x.npy",
                                   labels: TestData.path("digits_calib_y.npy"), output: out)
        do {
            _ = try FlipPruner.run(r)
            Issue.record("no error for a missing data file")
        } catch {
            let text = "\(error)"
            #expect(text.contains("/nonexistent/x.npy") && !text.contains("\n"), "\(text)")
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func settingsOutOfRange() {
        var o = FlipPruneOptions()
        o.deltaAcc = 1.5
        #expect(throws: FlipError(.invalidOption, "Δacc", "must be in [0, 1), got 1.5")) { try o.validate() }
        o = FlipPruneOptions()
        o.flipThreshold = 0
        #expect(throws: FlipError(.invalidOption, "flip threshold", "must be at least 1, got 0")) { try o.validate() }
    }

    /// One short round on bnn_nin (120 samples): the network shrinks by the counted shares
    /// and stays runnable; round 0 is the start.
    @Test func oneRoundShrinksByFlipShares() throws {
        let model = try Model.load(path: TestData.path("bnn_nin.onnx"))
        let x = try NPY.read(path: TestData.path("digits_calib_x28.npy")).cast(to: .float32)
        let y = try NPY.read(path: TestData.path("digits_calib_y.npy")).int64s
        let all = try Dataset(inputs: x, labels: y)
        let train = all.rows(Array(0..<96)), val = all.rows(Array(96..<128))
        var o = FlipPruneOptions()
        o.intervalEpochs = 1; o.retrainEpochs = 1; o.maxRounds = 1; o.deltaAcc = 0.99; o.flipThreshold = 1
        o.learningRate = 0.05; o.batchSize = 16
        let (pruned, r) = try FlipPruner.prune(model, train: train, validation: val, options: o)
        #expect(r.rounds.count == 2 && r.rounds[0].channels == [24, 48, 48, 48])
        let one = r.rounds[1]
        #expect(one.accepted)
        for (i, c) in [24, 48, 48, 48].enumerated() {
            #expect(one.removed[i] == min(c - 1, Int((one.shares[i] * Double(c)).rounded())))
            #expect(one.channels[i] == c - one.removed[i])
        }
        #expect(one.removed.reduce(0, +) > 0, "a large learning rate flips some weights twice")
        #expect(one.binaryOps < r.rounds[0].binaryOps)
        #expect(try BinaryLayer.find(in: pruned).map(\.channels) == one.channels)
        _ = try Session(model: pruned).run([x.slice(rows: 0..<4)])
    }

    /// `simplify` turns Sign(latent) into ±1 constants and keeps them binary (the BatchNorm
    /// after a binary layer is not folded into it); outputs are unchanged.
    @Test func simplifyKeepsBinaryWeightsBinary() throws {
        let m = try Model.load(path: TestData.path("bnn_nin.onnx"))
        let (s, report) = try Simplifier.simplify(m)
        let g = s.graph!
        #expect(!g.nodes.contains { $0.opType == "Sign" && g.initializer(named: $0.inputs[0]) != nil })
        #expect(report.foldedBatchNorms.count == 1, "only the real first layer's BatchNorm folds: \(report.foldedBatchNorms)")
        for name in ["/cccp1/Sign_output_0", "/conv2/Sign_output_0", "/cccp2/Sign_output_0", "/conv3/Sign_output_0"] {
            let v = try NDArray(tensor: try #require(g.initializer(named: name))).floats
            #expect(v.allSatisfy { $0 == 1 || $0 == -1 }, "\(name)")
        }
        let x = try NPY.read(path: TestData.path("digits_test_x28.npy")).slice(rows: 0..<64)
        let a = try Session(model: m).run([x]), b = try Session(model: s).run([x])
        #expect(zip(a["logits"]!.floats, b["logits"]!.floats).map { abs($0 - $1) }.max() ?? 1 < 1e-3)
    }
}
