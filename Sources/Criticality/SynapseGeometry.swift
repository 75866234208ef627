import Foundation
import ONNXIO
import Prune

/// How the synapses of one weighted layer map weights to the inputs they multiply.
///
/// Gemm/MatMul: the weight element (out, k) multiplies input feature k at every leading
/// position of the input (one synapse per position besides the batch axis: one for a 2-D
/// Gemm input, one per token for [N, S, K]). Conv (2-D): the element (o, c, kh, kw) multiplies
/// input pixel (g·C/G + c, oy·s − pad + kh·d, ox·s − pad + kw·d) at every output position
/// (oy, ox); positions falling into the zero padding carry input 0.
struct SynapseGeometry {
    enum Form {
        case dense(inputAxis: Int, positions: Int, features: Int)
        case conv2d(group: Int, strides: [Int], pads: [Int], dilations: [Int], outHW: [Int], inCHW: [Int])
    }
    let layer: WeightedLayer
    let weightShape: [Int]
    let form: Form

    init(layer: WeightedLayer, node: Node, weightShape: [Int], inputShape: [Int]) throws {
        self.layer = layer
        self.weightShape = weightShape
        let loc = "\(layer.op) layer '\(layer.name)'"
        switch layer.op {
        case "Conv":
            guard weightShape.count == 4, inputShape.count == 4 else {
                throw CriticalityError(.unsupportedLayer, loc, "only 2-D convolutions are analysed (weight \(weightShape), input \(inputShape))")
            }
            let pad = node.attribute("auto_pad").flatMap { String(bytes: $0.s ?? [], encoding: .utf8) } ?? "NOTSET"
            guard pad == "NOTSET" || pad == "VALID" || pad.isEmpty else {
                throw CriticalityError(.unsupportedLayer, loc, "auto_pad \(pad) is not supported; export with explicit pads")
            }
            func ints(_ n: String, _ d: [Int]) -> [Int] { node.attribute(n).map { $0.ints.map { Int($0) } } ?? d }
            let s = ints("strides", [1, 1]), p = ints("pads", [0, 0, 0, 0]), d = ints("dilations", [1, 1])
            let g = node.attribute("group")?.i.map { Int($0) } ?? 1
            var out = [0, 0]
            for a in 0..<2 {
                let span = d[a] * (weightShape[2 + a] - 1) + 1
                out[a] = (inputShape[2 + a] + p[a] + p[a + 2] - span) / s[a] + 1
            }
            form = .conv2d(group: g, strides: s, pads: p, dilations: d, outHW: out, inCHW: Array(inputShape[1...]))
        default:
            guard inputShape.count >= 2 else {
                throw CriticalityError(.unsupportedLayer, loc, "input of shape \(inputShape) has no batch and feature axes")
            }
            let k = inputShape.last!
            guard k == weightShape[layer.inputAxis] else {
                throw CriticalityError(.unsupportedLayer, loc, "input features \(k) do not match the weight \(weightShape)")
            }
            form = .dense(inputAxis: layer.inputAxis, positions: inputShape.dropFirst().dropLast().reduce(1, *), features: k)
        }
    }

    /// Σ over the synapses of each weight element of log2(1 + |i| / g̃), where `meanInput` is
    /// the input averaged over the samples (shape: the input without its batch axis) and
    /// `gradient` the floored |∂L/∂w| per weight element.
    func logCapacity(meanInput m: [Double], gradient g: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: g.count)
        switch form {
        case .dense(let inputAxis, let positions, let K):
            let units = weightShape[1 - inputAxis]
            for u in 0..<units {
                for k in 0..<K {
                    let idx = inputAxis == 1 ? u * K + k : k * units + u
                    var sum = 0.0
                    for p in 0..<positions { sum += log2(1 + abs(m[p * K + k]) / g[idx]) }
                    out[idx] = sum
                }
            }
        case .conv2d(let group, let s, let p, let d, let outHW, let inCHW):
            let (O, C, KH, KW) = (weightShape[0], weightShape[1], weightShape[2], weightShape[3])
            let (H, W) = (inCHW[1], inCHW[2])
            let perGroup = O / max(group, 1)
            for o in 0..<O {
                let gi = o / max(perGroup, 1)
                for c in 0..<C {
                    let plane = (gi * C + c) * H * W
                    for kh in 0..<KH {
                        for kw in 0..<KW {
                            let idx = ((o * C + c) * KH + kh) * KW + kw
                            var sum = 0.0
                            for oy in 0..<outHW[0] {
                                let iy = oy * s[0] - p[0] + kh * d[0]
                                if iy < 0 || iy >= H { continue }
                                for ox in 0..<outHW[1] {
                                    let ix = ox * s[1] - p[1] + kw * d[1]
                                    if ix < 0 || ix >= W { continue }
                                    sum += log2(1 + abs(m[plane + iy * W + ix]) / g[idx])
                                }
                            }
                            out[idx] = sum
                        }
                    }
                }
            }
        }
        return out
    }
}
