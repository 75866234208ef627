import Foundation
import ONNXIO
import Runtime
import TestSupport
@testable import Train

/// One operator under test: a single-node model whose float inputs are all trainable
/// initializers (integer inputs are constants).
struct OpCase: CustomStringConvertible {
    var op: String
    var inputs: [(String, NDArray)]
    var attributes: [Attribute] = []
    var outputs = 1
    var training = true
    var opset: Int64 = 17
    var description: String { "\(op)(\(inputs.map { "\($0.0)\($0.1.shape)" }.joined(separator: ", ")))" }

    func model() -> Model {
        var g = Graph(name: "case")
        var node = Node(opType: op, inputs: inputs.map(\.0), outputs: (0..<outputs).map { "y\($0)" }, name: "n")
        node.attributes = attributes
        g.nodes = [node]
        g.initializers = inputs.filter { !$0.0.isEmpty }.map { $0.1.tensor(name: $0.0) }
        g.outputs = (0..<outputs).map { var v = ValueInfo(); v.name = "y\($0)"; return v }
        return Model(irVersion: 8, opsetImports: [OperatorSetID(domain: "", version: opset)], graph: g)
    }
}

/// Central finite differences against the tape's analytic gradient.
///
/// The objective is L = Σ_k r_k·y_k over every output element with seeded weights r ∈ [−1, 1]
/// (accumulated in Double); each trainable element (up to `probes` per tensor, chosen at
/// random) is moved by ±eps and (L⁺ − L⁻)/2eps compared with the analytic ∂L/∂x:
/// |analytic − numeric| ≤ atol + rtol·|numeric|.
struct GradCheck {
    var eps: Float = 1e-2
    var atol: Double = 2e-3
    var rtol: Double = 2e-2
    var probes = 24

    /// A failure message per mismatching element (empty when all agree).
    func check(_ c: OpCase, seed: UInt64) throws -> [String] {
        let graph = try GradientGraph(model: c.model())
        var rng = SeededRandom(seed: seed)
        let tape = try graph.forward(inputs: [:], training: c.training, seed: 7)
        var weights: [String: [Double]] = [:]
        var seeds: [String: NDArray] = [:]
        for o in graph.objectiveValues {
            let y = tape.values[o]!
            let r = (0..<y.count).map { _ in Double.random(in: -1...1, using: &rng) }
            weights[o] = r
            seeds[o] = NDArray(shape: y.shape, floats: r.map { Float($0) })
        }
        let grads = try graph.backward(tape, seeds: seeds)
        func objective(_ params: [String: NDArray]) throws -> Double {
            let saved = graph.parameters
            defer { graph.parameters = saved }
            graph.parameters = params
            let t = try graph.forward(inputs: [:], training: c.training, seed: 7)
            var s = 0.0
            for (o, r) in weights { let y = t.values[o]!.f; for k in 0..<r.count { s += r[k] * Double(y[k]) } }
            return s
        }
        var failures: [String] = []
        for name in graph.trainable {
            let p = graph.parameters[name]!
            guard let g = grads[name]?.f else { failures.append("\(name): no gradient"); continue }
            let picks = p.count <= probes ? Array(0..<p.count) : (0..<probes).map { _ in Int.random(in: 0..<p.count, using: &rng) }
            for i in picks {
                var plus = graph.parameters, minus = graph.parameters
                var vp = p.f, vm = p.f
                vp[i] += eps; vm[i] -= eps
                plus[name] = NDArray(shape: p.shape, floats: vp)
                minus[name] = NDArray(shape: p.shape, floats: vm)
                let numeric = (try objective(plus) - objective(minus)) / Double(2 * eps)
                let analytic = Double(g[i])
                if abs(analytic - numeric) > atol + rtol * abs(numeric) {
                    failures.append("\(c) ∂/∂\(name)[\(i)]: analytic \(analytic), numeric \(numeric)")
                }
            }
        }
        return failures
    }
}

/// Seeded random arrays for the cases.
struct ArrayMaker {
    var rng: SeededRandom
    init(seed: UInt64) { rng = SeededRandom(seed: seed) }

    mutating func uniform(_ shape: [Int], _ lo: Float = -1, _ hi: Float = 1) -> NDArray {
        NDArray(shape: shape, floats: (0..<shape.reduce(1, *)).map { _ in Float.random(in: lo...hi, using: &rng) })
    }
    /// Values at least 0.1 away from 0 (kinks of Relu, Sign, Abs).
    mutating func awayFromZero(_ shape: [Int]) -> NDArray {
        NDArray(shape: shape, floats: (0..<shape.reduce(1, *)).map { _ in
            Float.random(in: 0.1...1.5, using: &rng) * (Bool.random(using: &rng) ? 1 : -1)
        })
    }
    /// Distinct values on a grid of spacing 0.05 (no near-ties for max pooling).
    mutating func distinct(_ shape: [Int]) -> NDArray {
        let n = shape.reduce(1, *)
        var v = (0..<n).map { Float($0) * 0.05 - Float(n) * 0.025 }
        v.shuffle(using: &rng)
        return NDArray(shape: shape, floats: v)
    }
    mutating func int(_ upper: Int) -> Int { Int.random(in: 1...upper, using: &rng) }
}
