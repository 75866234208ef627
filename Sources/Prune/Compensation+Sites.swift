import Foundation
import ONNXIO
import Runtime
import Tensors

// Which layers least-squares compensation can re-fit, and the reader columns each neuron owns.

extension Compensation {
    static func sites(_ plan: PrunePlan) throws -> [CompensationSite] {
        let model = plan.model
        let g = model.graph!
        let shapes = try GraphShapes.shapes(model)
        var cg = ChannelGraph(model: model, shapes: shapes)
        let layers = plan.layers
        var consumers: [String: [Int]] = [:]
        for (i, n) in g.nodes.enumerated() { for x in n.inputs where !x.isEmpty { consumers[x, default: []].append(i) } }
        // Every node that mixes channels, with the roots of the channels it reads.
        var readRoots: [Int: Set<Int>] = [:]
        for (i, n) in g.nodes.enumerated() {
            switch cg.roles[i] {
            case .conv, .gemm, .matMul:
                let x = n.inputs[0]
                guard let c = cg.channels[x] else { continue }
                readRoots[i] = Set((0..<c).map { cg.find(cg.element(x, $0)!) })
            default: break
            }
        }
        var producerRoots: [[Int]] = []
        for l in layers {
            let c = cg.channels[l.output] ?? 0
            producerRoots.append((0..<c).map { cg.find(cg.element(l.output, $0)!) })
        }
        var out: [CompensationSite] = []
        for (p, lp) in layers.enumerated() {
            let roots = producerRoots[p]
            guard !roots.isEmpty, Set(roots).count == roots.count else { continue }
            let rootSet = Set(roots)
            // No other layer produces into these classes (residual joins).
            if layers.indices.contains(where: { $0 != p && !rootSet.isDisjoint(with: producerRoots[$0]) }) { continue }
            let readers = readRoots.filter { !$0.value.isDisjoint(with: rootSet) }
            guard readers.count == 1, let (node, rr) = readers.first, rr.isSubset(of: rootSet),
                  let r = layers.firstIndex(where: { $0.node == node }), layers[r].bias != nil else { continue }
            let lr = layers[r]
            let rn = g.nodes[node]
            let x = rn.inputs[0]
            let cx = cg.channels[x]!
            let w = plan.weights[r]
            var geo: ConvGeometry?
            if lr.op == "Conv" {
                guard w.dims.count == 4, rn.int("group", 1) == 1,
                      (rn.attribute("auto_pad")?.s.map { String(decoding: $0, as: UTF8.self) } ?? "NOTSET") == "NOTSET" else { continue }
                let st = rn.ints("strides") ?? [1, 1], dl = rn.ints("dilations") ?? [1, 1], pd = rn.ints("pads") ?? [0, 0, 0, 0]
                geo = ConvGeometry(kh: w.dims[2], kw: w.dims[3], sh: st[0], sw: st[1], dh: dl[0], dw: dl[1],
                                   pt: pd[0], pl: pd[1], pb: pd[2], pr: pd[3])
            } else if w.dims.count != 2 {
                continue
            }
            let k = geo?.k ?? 1
            let n = w.count / w.dims[lr.outputAxis]
            guard n == cx * k else { continue }
            var columns = [[Int]](repeating: [], count: roots.count)
            let index = Dictionary(uniqueKeysWithValues: roots.enumerated().map { ($1, $0) })
            for j in 0..<cx {
                let o = index[cg.find(cg.element(x, j)!)]!
                columns[o].append(contentsOf: (j * k)..<((j + 1) * k))
            }
            var target = rn.outputs[0]
            if lr.op == "MatMul" {
                guard let add = consumers[target]?.first.map({ g.nodes[$0] }), add.op == "Add" else { continue }
                target = add.outputs[0]
            }
            let cands = (0..<roots.count).filter { plan.candidates[p][$0] }
            guard !cands.isEmpty else { continue }
            out.append(CompensationSite(producer: p, reader: r, columns: columns, candidates: cands, n: n,
                                        m: w.dims[lr.outputAxis], conv: geo, input: x, target: target))
            _ = lp
        }
        return out
    }
}
