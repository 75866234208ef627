import Foundation
import ONNXIO
import Prune
import Runtime
import Testing
import TestSupport
@testable import FlipFrequency

/// The channel shrink on the committed binary networks. A channel whose readers' latent
/// weights are zero contributes nothing (Sign(0) = 0), so removing it must leave the
/// outputs unchanged; the unchanged network itself matches onnxruntime's logits.
@Suite struct ChannelShrinkTests {
    static func load(_ name: String) throws -> Model { try Model.load(path: TestData.path(name + ".onnx")) }
    static let x = Result { try NPY.read(path: TestData.path("digits_test_x28.npy")) }

    static func run(_ m: Model, _ x: NDArray) throws -> [Float] {
        let s = try Session(model: m)
        return try s.run([x])[s.outputNames[0]]!.floats
    }

    /// Sets `latent`'s entries of input channels `cs` (axis `axis`, blocks of `block`) to 0.
    static func zeroInputs(_ m: inout Model, _ latent: String, _ cs: [Int], axis: Int, block: Int = 1) throws {
        var g = m.graph!
        let i = g.initializers.firstIndex { $0.name == latent }!
        let a = try NDArray(tensor: g.initializers[i])
        let s = a.shape, outer = s[..<axis].reduce(1, *), n = s[axis], inner = s[(axis + 1)...].reduce(1, *)
        var v = a.floats
        for o in 0..<outer { for c in cs { for j in (c * block)..<((c + 1) * block) { for k in 0..<inner { v[(o * n + j) * inner + k] = 0 } } } }
        g.initializers[i] = NDArray(shape: s, floats: v).tensor(name: latent)
        m.graph = g
    }

    @Test func layersAndBinaryOperations() throws {
        let l = try BinaryLayer.find(in: try Self.load("bnn_nin"))
        #expect(l.map(\.latent) == ["cccp1.weight", "conv2.weight", "cccp2.weight", "conv3.weight"])
        #expect(l.map(\.channels) == [24, 48, 48, 48])
        // 28·28·24·24, 14·14·48·(24·9), 14·14·48·48, 7·7·48·(48·9)
        #expect(l.map(\.binaryOps) == [451_584, 2_032_128, 451_584, 1_016_064])
        let f = try BinaryLayer.find(in: try Self.load("bnn_lenet5"))
        #expect(f.map(\.latent) == ["conv2.weight", "fc1.weight"])
        #expect(f.map(\.binaryOps) == [8 * 8 * 50 * 500, 800 * 200])
        #expect(f.map(\.outputAxis) == [0, 0])
        #expect(try BinaryLayer.find(in: try Self.load("lenet5")).isEmpty)
    }

    @Test func unchangedNetworkMatchesOnnxruntime() throws {
        let x = try Self.x.get()
        for name in ["bnn_nin", "bnn_lenet5"] {
            let ours = try Self.run(try Self.load(name), x)
            let ort = try NPY.read(path: TestData.path(name + "_ort_logits.npy")).floats
            let err = zip(ours, ort).map { abs($0 - $1) }.max() ?? .infinity
            #expect(ours.count == ort.count && err < 1e-3, "\(name): max |ours − onnxruntime| \(err)")
        }
    }

    @Test func removingUnreadChannelsKeepsOutputsConv() throws {
        var m = try Self.load("bnn_nin")
        // conv2's channels 3, 7, 40 read by cccp2 (1x1, axis 1) with zero weights; cccp1's 0, 5 by conv2.
        try Self.zeroInputs(&m, "cccp2.weight", [3, 7, 40], axis: 1)
        try Self.zeroInputs(&m, "conv2.weight", [0, 5], axis: 1)
        let layers = try BinaryLayer.find(in: m)
        let small = try ChannelShrink.apply(m, layers: layers, remove: ["conv2.weight": [3, 7, 40], "cccp1.weight": [0, 5]])
        #expect(try BinaryLayer.find(in: small).map(\.channels) == [22, 45, 48, 48])
        let g = small.graph!
        #expect(g.initializer(named: "bn3.running_mean")?.dims == [45])
        #expect(g.initializer(named: "cccp2.weight")?.dims == [48, 45, 1, 1])
        #expect(g.initializer(named: "conv2.weight")?.dims == [45, 22, 3, 3])
        let x = try Self.x.get()
        let a = try Self.run(m, x), b = try Self.run(small, x)
        #expect(zip(a, b).map { abs($0 - $1) }.max() ?? 1 < 1e-4)
        // Valid ONNX after a save and reload.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("shrink-\(getpid()).onnx").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try small.save(to: path)
        #expect(try Self.run(try Model.load(path: path), x) == b)
    }

    @Test func removingUnreadChannelsKeepsOutputsThroughFlatten() throws {
        var m = try Self.load("bnn_lenet5")
        // conv2's channels 1 and 30 reach fc1 (MatMul of Transpose(Sign(fc1.weight [200, 800])))
        // as Flatten column blocks of 4·4.
        try Self.zeroInputs(&m, "fc1.weight", [1, 30], axis: 1, block: 16)
        let small = try ChannelShrink.apply(m, layers: try BinaryLayer.find(in: m), remove: ["conv2.weight": [1, 30]])
        #expect(small.graph!.initializer(named: "fc1.weight")?.dims == [200, 768])
        #expect(small.graph!.initializer(named: "conv2.weight")?.dims == [48, 20, 5, 5])
        let x = try Self.x.get()
        let a = try Self.run(m, x), b = try Self.run(small, x)
        #expect(zip(a, b).map { abs($0 - $1) }.max() ?? 1 < 1e-4)
    }

    @Test func unsupportedPathThrowsBeforeChanging() throws {
        // A binary layer whose channels reach a graph output cannot shrink.
        var m = try Self.load("bnn_nin")
        var g = m.graph!
        var out = g.outputs[0]
        out.name = "/cccp2/Conv_output_0"
        g.outputs.append(out)
        m.graph = g
        #expect(throws: FlipError(.unsupported, "/cccp2/Conv_output_0", "/cccp2/Conv's channels reach a graph output")) {
            try ChannelShrink.apply(m, layers: try BinaryLayer.find(in: m), remove: ["cccp2.weight": [1]])
        }
    }
}
