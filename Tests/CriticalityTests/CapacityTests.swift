import Foundation
import ONNXIO
import Runtime
import Testing
@testable import Criticality
@testable import Prune

/// SHC values checked by hand on tiny networks (see docs/pruning.md, "Capacity").
@Suite struct CapacityTests {
    static func model(nodes: [Node], inits: [NDArray], names: [String]) -> Model {
        var g = Graph(name: "g")
        g.nodes = nodes
        var x = ValueInfo(); x.name = "x"
        var y = ValueInfo(); y.name = "y"
        g.inputs = [x]; g.outputs = [y]
        g.initializers = zip(inits, names).map { $0.tensor(name: $1) }
        return Model(irVersion: 8, opsetImports: [OperatorSetID(domain: "", version: 17)], graph: g)
    }

    static func convGeometry(pads: [Int64]) throws -> SynapseGeometry {
        var conv = Node(opType: "Conv", inputs: ["x", "w"], outputs: ["y"], name: "c")
        conv.attributes = [.ints("pads", pads)]
        let layer = WeightedLayer(node: 0, name: "c", op: "Conv", weight: "w", bias: nil, outputAxis: 0, inputAxis: 1, output: "y")
        return try SynapseGeometry(layer: layer, node: conv, weightShape: [1, 1, 2, 2], inputShape: [5, 1, 3, 3])
    }

    // |mean input| on the 3×3 map is 1,3,0 / 1,7,1 / 0,3,15, so log2(1 + |i|/1) is 1,2,0 / 1,3,1 / 0,2,4.
    static let meanMap: [Double] = [1, 3, 0, -1, 7, 1, 0, -3, 15]

    @Test func sharedConvWeightSumsOverOutputPositions() throws {
        let geo = try Self.convGeometry(pads: [0, 0, 0, 0])
        // Each of the 2×2 kernel elements is used at the 4 output positions (2×2 output):
        // (0,0): 1+2+1+3, (0,1): 2+0+3+1, (1,0): 1+3+0+2, (1,1): 3+1+2+4.
        #expect(geo.logCapacity(meanInput: Self.meanMap, gradient: [1, 1, 1, 1]) == [7, 6, 6, 10])
    }

    @Test func paddedPositionsCarryZeroInput() throws {
        // With pad 1 the output is 4×4 and every kernel element meets all 9 pixels once (sum 14)
        // plus 7 padded positions that add log2(1 + 0) = 0.
        let geo = try Self.convGeometry(pads: [1, 1, 1, 1])
        #expect(geo.logCapacity(meanInput: Self.meanMap, gradient: [1, 1, 1, 1]) == [14, 14, 14, 14])
    }

    @Test func negativeMeanInputCountsByItsMagnitude() throws {
        let layer = WeightedLayer(node: 0, name: "fc", op: "Gemm", weight: "w", bias: nil, outputAxis: 0, inputAxis: 1, output: "y")
        let geo = try SynapseGeometry(layer: layer, node: Node(opType: "Gemm"), weightShape: [1, 2], inputShape: [4, 2])
        #expect(geo.logCapacity(meanInput: [-3, 3], gradient: [1, 1]) == [2, 2])
        // A floored (tiny) gradient gives a large but finite value; a zero input gives 0.
        let v = geo.logCapacity(meanInput: [1, 0], gradient: [1e-9, 1e-9])
        #expect(abs(v[0] - log2(1 + 1e9)) < 1e-9 && v[1] == 0)
    }

    /// Gemm y = x·Wᵀ with W = I (2×2); samples x = (1, 0) and (0, 1), both labelled 0.
    /// Softmax gives p = (σ, 1−σ) and (1−σ, σ) with σ = 1/(1+e⁻¹); the mean cross-entropy
    /// gradient is ∂L/∂W = ½ Σ_n (p_n − e₀) x_nᵀ = [[−(1−σ)/2, −σ/2], [(1−σ)/2, σ/2]], the mean
    /// input is (½, ½), so SHC = (log2(1 + ½ / ((1−σ)/2)), 0, 0, log2(1 + ½ / (σ/2))).
    @Test func gemmValuesByHand() throws {
        var gemm = Node(opType: "Gemm", inputs: ["x", "fc.weight"], outputs: ["y"], name: "fc")
        gemm.attributes = [.int("transB", 1)]
        let m = Self.model(nodes: [gemm], inits: [NDArray(shape: [2, 2], floats: [1, 0, 0, 1])], names: ["fc.weight"])
        let a = try CapacityAnalysis(model: m, inputs: NDArray(shape: [2, 2], floats: [1, 0, 0, 1]), labels: [0, 0])
        let s = 1 / (1 + exp(-1.0))
        let expected = [log2(1 + 0.5 / ((1 - s) / 2)), 0, 0, log2(1 + 0.5 / (s / 2))]
        #expect(a.layers.count == 1 && a.layers[0].name == "fc" && a.layers[0].shape == [2, 2])
        for (x, e) in zip(a.layers[0].shc, expected) { #expect(abs(x - e) < 1e-5) }
        #expect(abs(a.layers[0].gradient[1] + s / 2) < 1e-6)
        #expect(abs(a.floor - 1e-6 * 0.25) < 1e-12)   // 1e-6 × mean |∂L/∂w| = 1e-6 × (2(1−σ)/2 + 2σ/2)/4
        let loss = -(log(s) + log(1 - s)) / 2
        #expect(abs(a.meanLoss - loss) < 1e-6)
    }

    @Test func zeroGradientIsFloored() throws {
        // A saturated, correct prediction has a zero gradient: W = diag(200, 1), x = e0, label 0.
        var gemm = Node(opType: "Gemm", inputs: ["x", "w"], outputs: ["y"], name: "fc")
        gemm.attributes = [.int("transB", 1)]
        let m = Self.model(nodes: [gemm], inits: [NDArray(shape: [2, 2], floats: [200, 0, 0, 1])], names: ["w"])
        let a = try CapacityAnalysis(model: m, inputs: NDArray(shape: [1, 2], floats: [1, 0]), labels: [0])
        // softmax(200, 0) is exactly (1, 0) in double → ∂L/∂w = 0 everywhere; the floor is then
        // the absolute minimum 1e-30, and SHC(w00) = 200 · log2(1 + 1/1e-30).
        #expect(a.layers[0].gradient.allSatisfy { $0 == 0 })
        #expect(a.floor == 1e-30)
        #expect(abs(a.layers[0].shc[0] - 200 * log2(1 + 1e30)) < 1e-6)
        #expect(a.layers[0].shc[1...] == [0, 0, 0])
    }

    @Test func selectionGlobalAndPerLayer() throws {
        let scores: [[Double]] = [[5, 1, 3, 7], [2, 9]]
        let g = try ScorePruning.selection(scores, sparsity: 0.5, perLayer: false)
        #expect(g == [.init(layer: 0, index: 1), .init(layer: 1, index: 0), .init(layer: 0, index: 2)])
        let p = try ScorePruning.selection(scores, sparsity: 0.5, perLayer: true)
        #expect(p == [.init(layer: 0, index: 1), .init(layer: 0, index: 2), .init(layer: 1, index: 0)])
        #expect(throws: CriticalityError(.invalidOption, "sparsity", "must be in [0, 1), got 1.0")) {
            _ = try ScorePruning.selection(scores, sparsity: 1, perLayer: false)
        }
    }

    @Test func noWeightedLayers() throws {
        let m = Self.model(nodes: [Node(opType: "Relu", inputs: ["x"], outputs: ["y"], name: "r")], inits: [], names: [])
        #expect(throws: CriticalityError(.noLayers, "model", "no Conv, Gemm or MatMul layer with an initializer weight")) {
            _ = try CapacityAnalysis(model: m, inputs: NDArray(shape: [1, 2], floats: [1, 0]), labels: [0])
        }
    }
}
