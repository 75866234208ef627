import Foundation
import ONNXIO
import Runtime
import Tensors

// Writing a layer's removal (and the reader's re-fit) into the model.

extension Compensation {
    /// `model` with the producer neurons `removed` zeroed (weights, bias, the BN reading it
    /// alone) and, with `refit`, the reader re-fitted on the rest; without, only the reader's
    /// columns of the removed neurons are zeroed.
    static func apply(_ plan: PrunePlan, _ site: CompensationSite, to model: Model, removed: [Int], ne: NormalEquations,
                      refit: Bool = true) throws -> Model {
        var inits = InitializerTable(model.graph!)
        let lp = plan.layers[site.producer], lr = plan.layers[site.reader]
        var w = try inits.dense(lp.weight)!
        var b = try lp.bias.flatMap { try inits.dense($0) }
        let bn = plan.batchNorms[site.producer]
        var bnScale = try bn.flatMap { try inits.dense($0.scale) }, bnBias = try bn.flatMap { try inits.dense($0.bias) }
        for o in removed {
            w.zero(axis: lp.outputAxis, index: o)
            b?.values[o] = 0
            bnScale?.values[o] = 0
            bnBias?.values[o] = 0
        }
        try inits.set(lp.weight, w)
        if let name = lp.bias, let b { try inits.set(name, b) }
        if let bn, let s = bnScale, let t = bnBias { try inits.set(bn.scale, s); try inits.set(bn.bias, t) }
        // The reader.
        let gone = Set(removed.flatMap { site.columns[$0] })
        var rw = try inits.dense(lr.weight)!
        var rb = try inits.dense(lr.bias!)!
        let n = site.n, m = site.m
        func at(_ o: Int, _ j: Int) -> Int { lr.outputAxis == 0 ? o * n + j : j * m + o }
        if refit {
            let keep = (0..<n).filter { !gone.contains($0) }
            let (sw, sb) = try solve(ne, keep: keep)
            for o in 0..<m {
                for j in 0..<n { rw.values[at(o, j)] = 0 }
                for (a, j) in keep.enumerated() { rw.values[at(o, j)] = Float(sw[o * keep.count + a]) }
                rb.values[o] = Float(sb[o])
            }
        } else {
            for o in 0..<m { for j in gone { rw.values[at(o, j)] = 0 } }
        }
        try inits.set(lr.weight, rw)
        try inits.set(lr.bias!, rb)
        var out = model
        out.graph = inits.graph
        return out
    }

    /// The reader's weights of `model` as [output][column] and its bias, in Double.
    static func readerWeights(_ plan: PrunePlan, _ site: CompensationSite, _ model: Model) throws -> (w: [Double], b: [Double]) {
        let inits = InitializerTable(model.graph!)
        let lr = plan.layers[site.reader]
        let rw = try inits.dense(lr.weight)!, rb = try inits.dense(lr.bias!)!
        let n = site.n, m = site.m
        var w = [Double](repeating: 0, count: m * n)
        for o in 0..<m { for j in 0..<n { w[o * n + j] = Double(rw.values[lr.outputAxis == 0 ? o * n + j : j * m + o]) } }
        return (w, rb.values.map { Double($0) })
    }
}
