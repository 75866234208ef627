import ONNXIO

extension SimplifyState {
    /// Pruned output channels (all-zero weight rows) of each Conv/Gemm/MatMul that channel
    /// removal keeps, counted by the reason recorded for their class (`why`, per root).
    mutating func keptPrunedChannels(_ removable: [Bool], _ why: [String?]) throws -> [String: [String: Int]] {
        let layerNames = Dictionary(WeightedLayer.find(in: graph).map { ($0.node, $0.name) }, uniquingKeysWith: { a, _ in a })
        var out: [String: [String: Int]] = [:]
        for (i, n) in nodes.enumerated() {
            let w: DenseTensor, outAxis: Int
            switch cg.roles[i] {
            case .conv(let name, _, _, _), .groupedConv(let name, _, _, _): w = try inits.dense(name)!; outAxis = 0
            case .gemm(let name, _, let transB): w = try inits.dense(name)!; outAxis = transB ? 0 : 1
            case .matMul(let name, _): w = try inits.dense(name)!; outAxis = 1
            default: continue
            }
            guard let y = n.outputs.first, let count = cg.channels[y], w.dims[outAxis] == count else { continue }
            for o in 0..<count where w.isZero(axis: outAxis, index: o) {
                let root = cg.find(cg.element(y, o)!)
                guard !removable[root] else { continue }
                let reason = why[root] ?? "read by a kept layer"
                out[layerNames[i] ?? Self.displayName(n, i), default: [:]][reason, default: 0] += 1
            }
        }
        return out
    }
}
