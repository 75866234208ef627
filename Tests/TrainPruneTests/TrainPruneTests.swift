import Foundation
import ONNXIO
import Runtime
import Testing
import Train
@testable import TrainPrune

enum Paths {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()
    static func testdata(_ rel: String) -> String { root + "/testdata/" + rel }
    static func temporary(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("trainprune-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name).path
    }
}

/// Short schedules of the seed methods on LeNet-300 (validation: a split of the training
/// data; the test split is never used) and their bad-input errors.
@Suite struct TrainPruneTests {
    static func request(_ method: PruneMethod, _ out: String, _ edit: (inout TrainPruneOptions) -> Void) -> TrainingPruner.Request {
        var o = TrainPruneOptions(method: method)
        o.learningRate = 0.01; o.batchSize = 32; o.pwe = 1; o.maxEpochs = 3
        edit(&o)
        return TrainingPruner.Request(model: Paths.testdata("lenet300.onnx"), data: Paths.testdata("digits_train_x28.npy"),
                                      labels: Paths.testdata("digits_train_y.npy"), output: Paths.temporary(out), options: o)
    }

    /// Zeros counted in the written model's prunable tensors.
    static func zeros(_ path: String) throws -> Int {
        let m = try Model.load(path: path)
        return try m.graph!.initializers.reduce(0) { $0 + (try $1.floatValues()).filter { $0 == 0 }.count }
    }

    /// LOBSTER prunes, keeps validation top-1 within 1 point, and never revives a pruned weight.
    @Test func lobsterPrunesAndKeepsAccuracy() throws {
        let r = try TrainingPruner.run(Self.request(.lobster, "lobster.onnx") { $0.lambda = 1e-3 })
        #expect(r.compressionRatio > 1.3)
        #expect(r.finalTop1! >= r.startTop1! - 0.01)
        let sparsities = r.epochs.map(\.sparsity)
        #expect(zip(sparsities, sparsities.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(r.stages.allSatisfy { $0.validationLoss <= $0.bound * (1 + 1e-9) })
        #expect(try Self.zeros(r.output) >= r.parameters - r.nonzero)
    }

    /// SeReNe (LB) with a strong penalty removes whole hidden neurons, keeps accuracy above
    /// its target, and never touches the output layer's neurons.
    @Test func sereneRemovesNeurons() throws {
        let r = try TrainingPruner.run(Self.request(.serene, "serene.onnx") { $0.lambda = 0.01; $0.twt = 0.5; $0.targetTop1 = 0.95 })
        #expect(r.layers.map(\.neurons) == [300, 100, 10])
        #expect(r.layers[0].liveNeurons + r.layers[1].liveNeurons < 400)
        #expect(r.layers[2].liveNeurons == 10)
        #expect(r.finalTop1! >= r.targetTop1!)
    }

    /// lb ≤ exact ≤ ub for every hidden neuron: |mean| ≤ mean |·| ≤ the absolute chain.
    @Test func sensitivityBoundsOrder() throws {
        let m = try Model.load(path: Paths.testdata("lenet300.onnx"))
        let g = try GradientGraph(model: m, extraSources: ["/fc1/Gemm_output_0", "/fc2/Gemm_output_0"])
        let layers = try PrunableLayer.find(m, parameters: g.parameters)
        let x = try NPY.read(path: Paths.testdata("digits_test_x28.npy")).cast(to: .float32).slice(rows: 0..<16)
        let tape = try g.forward(inputs: [g.inputNames[0]: x], training: false)
        func measure(_ k: SensitivityKind) throws -> [String: [Double]] {
            try NeuronSensitivity(graph: g, layers: layers, output: g.objectiveValues[0], kind: k).measure(tape)
        }
        let lb = try measure(.lb), ex = try measure(.exact), ub = try measure(.ub)
        #expect(lb.count == 2)
        for (k, v) in lb {
            for i in v.indices {
                #expect(v[i] <= ex[k]![i] + 1e-6)
                #expect(ex[k]![i] <= ub[k]![i] + 1e-6)
            }
        }
    }

    /// A spent time budget ends the learning stage after its epoch; one pruning stage still
    /// runs and the run says why it stopped.
    @Test func timeBudgetStopsAfterOneStage() throws {
        let r = try TrainingPruner.run(Self.request(.serene, "budget.onnx") { $0.lambda = 1e-3; $0.maxEpochs = 50; $0.maxSeconds = 1e-3 })
        #expect(r.epochs.count == 1)
        #expect(r.stages.count == 1)
        #expect(r.stopped == "time budget of 0 s spent")
        let e = #expect(throws: TrainPruneError.self) { try TrainingPruner.run(Self.request(.serene, "bad.onnx") { $0.maxSeconds = 0 }) }
        #expect(e?.kind == .invalidOption && e?.location == "time budget")
    }

    /// A Conv channel's sensitivity is the mean of |∂J/∂p| over samples and positions, and the
    /// bounds keep their order on LeNet-5's channels.
    @Test func convSensitivityAveragesPositions() throws {
        let m = try Model.load(path: Paths.testdata("lenet5.onnx"))
        let probe = try GradientGraph(model: m)
        let layers = try PrunableLayer.find(m, parameters: probe.parameters)
        let hidden = layers.filter { !$0.isLast }.map(\.layer.output)
        let g = try GradientGraph(model: m, extraSources: hidden)
        let x = try NPY.read(path: Paths.testdata("digits_test_x28.npy")).cast(to: .float32).slice(rows: 0..<4)
        let tape = try g.forward(inputs: [g.inputNames[0]: x], training: false)
        func measure(_ k: SensitivityKind) throws -> [String: [Double]] {
            try NeuronSensitivity(graph: g, layers: layers, output: g.objectiveValues[0], kind: k).measure(tape)
        }
        let lb = try measure(.lb), ex = try measure(.exact), ub = try measure(.ub)
        let conv = layers.first { $0.layer.op == "Conv" }!
        let y = tape.values[g.objectiveValues[0]]!
        let c = y.shape[1]
        let seed = NDArray(shape: y.shape, floats: [Float](repeating: 1 / Float(c), count: y.count))
        let grad = try g.backward(tape, seeds: [g.objectiveValues[0]: seed], wrt: [conv.layer.output])[conv.layer.output]!
        let (n, ch) = (grad.shape[0], grad.shape[1]), hw = grad.count / (n * ch)
        let v = grad.floats
        let channel0 = (0..<n).flatMap { s in (0..<hw).map { abs(Double(v[(s * ch) * hw + $0])) } }.reduce(0, +) / Double(n * hw)
        #expect(abs(lb[conv.layer.output]![0] - channel0) <= 1e-9 + 1e-6 * channel0)
        for (k, vals) in lb {
            #expect(vals.count == layers.first { $0.layer.output == k }!.neurons)
            for i in vals.indices {
                #expect(vals[i] <= ex[k]![i] + 1e-6)
                #expect(ex[k]![i] <= ub[k]![i] + 1e-6)
            }
        }
    }

    /// The bisection finds the largest threshold within the bound.
    @Test func thresholdBisection() throws {
        let p = ["w": NDArray(shape: [8], floats: [0.1, -0.2, 0.3, -0.4, 0.5, 0.6, -0.7, 0.8])]
        // "Loss" = number of zeroed weights; bound 3 → T just below 0.4.
        let s = ThresholdSearch(names: ["w"], bound: 3, epsilon: 1e-4)
        let o = try s.run(p) { q in Double(q["w"]!.floats.filter { $0 == 0 }.count) }
        #expect(o.threshold >= 0.3 && o.threshold < 0.4)
        #expect(o.parameters["w"]!.floats.filter { $0 == 0 }.count == 3)
    }

    @Test func badInput() throws {
        let noLabels = { () -> TrainingPruner.Request in var r = Self.request(.lobster, "bad.onnx") { _ in }; r.labels = nil; return r }()
        #expect(throws: TrainPruneError(.invalidData, Paths.testdata("digits_train_x28.npy"), "lobster trains with cross-entropy and needs class labels for the training data")) {
            try TrainingPruner.run(noLabels)
        }
        for (edit, what) in [({ (o: inout TrainPruneOptions) in o.lambda = 1.5 }, "lambda"), ({ $0.learningRate = -1 }, "learning rate"),
                             ({ $0.twt = -0.1 }, "TWT"), ({ $0.twt = .nan }, "TWT")] as [((inout TrainPruneOptions) -> Void, String)] {
            let e = #expect(throws: TrainPruneError.self) { try TrainingPruner.run(Self.request(.serene, "bad.onnx", edit)) }
            #expect(e?.kind == .invalidOption && e?.location == what)
        }
        var none = Self.request(.lobster, "bad.onnx") { _ in }
        none.model = Paths.testdata("ops/abs.onnx")
        let e = #expect(throws: TrainPruneError.self) { try TrainingPruner.run(none) }
        #expect(e?.kind == .nothingToPrune)
        #expect(!FileManager.default.fileExists(atPath: Paths.temporary("bad.onnx")))
    }

    /// A diverging learning rate stops with a non-finite-loss error; the best checkpoint so
    /// far (the input's weights) is written.
    @Test func nonFiniteLossKeepsCheckpoint() throws {
        let r = Self.request(.lobster, "nan.onnx") { $0.learningRate = 10; $0.maxEpochs = 2 }
        let e = #expect(throws: TrainPruneError.self) { try TrainingPruner.run(r) }
        #expect(e?.kind == .nonFiniteLoss)
        let written = try Model.load(path: r.output)
        #expect(written.graph?.initializers.count == (try Model.load(path: r.model)).graph?.initializers.count)
    }
}
