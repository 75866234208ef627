import ONNXIO
import Runtime

// Activation-based scores of structured pruning and the mean replacement of pruned neurons.

extension PrunePlan {
    /// With data, a pruned neuron's channel is replaced by its mean activation: the layers
    /// reading it get Σ_k W[o, j, k] · mean_j added to their bias. Only for channels whose
    /// path from the neuron to its readers maps 0 to 0 (ReLU, max pooling, Flatten, Concat,
    /// a BN that is pruned with the neuron), since pruning makes that path output 0.
    struct MeanReplacement {
        struct Reader { var layer: Int; var roots: [Int]; var means: [Double] }
        var readers: [Reader] = []
        /// Per layer, per neuron: the class root of its output channel (-1: none).
        var neuronRoots: [[Int]] = []
        var simpleRoots = Set<Int>()
    }

    /// Activation scores per channel class, and the channels whose pruned neurons can be
    /// replaced by their mean (those whose path to the readers maps 0 to 0).
    static func meanReplacement(_ model: Model, _ cg: inout ChannelGraph, _ data: LabelledData,
                                _ layers: [WeightedLayer]) throws -> (classScore: [Int: Double], MeanReplacement) {
        var r = MeanReplacement()
        let classScore: [Int: Double]
        (classScore, r.readers) = try activationScores(model, &cg, data, layers)
        r.neuronRoots = layers.map { l in (0..<(cg.channels[l.output] ?? 0)).map { cg.find(cg.element(l.output, $0)!) } }
        var bad = Set<Int>()
        let layerOutputs = Set(layers.map { $0.output })
        for (i, n) in (model.graph?.nodes ?? []).enumerated() {
            let y = n.outputs.first ?? ""
            var nonZeroPreserving = false
            switch cg.roles[i] {
            case .binary: nonZeroPreserving = true
            case .conv(_, _, let depthwise, _): nonZeroPreserving = depthwise
            case .batchNorm: nonZeroPreserving = !(layerOutputs.contains(n.inputs[0]) && cg.useCount[n.inputs[0]] == 1)
            case .unary: nonZeroPreserving = !["Relu", "LeakyRelu", "Identity", "Dropout", "Neg", "Abs", "Tanh", "HardSwish", "Clip"].contains(n.op)
            default: break
            }
            if nonZeroPreserving, let c = cg.channels[y] { for k in 0..<c { bad.insert(cg.find(cg.element(y, k)!)) } }
        }
        r.simpleRoots = Set(r.neuronRoots.joined().filter { !bad.contains($0) })
        return (classScore, r)
    }

    /// Per channel class: Σ over the Conv/Gemm/MatMul inputs in the class of
    /// mean|input| × ‖weights reading it‖₂, on (up to 200 samples of) the data.
    static func activationScores(_ model: Model, _ cg: inout ChannelGraph, _ data: LabelledData, _ layers: [WeightedLayer])
        throws -> ([Int: Double], [MeanReplacement.Reader]) {
        let inits = InitializerTable(model.graph!)
        var readers: [(x: String, w: DenseTensor, inAxis: Int, node: Int)] = []
        for (i, n) in model.graph!.nodes.enumerated() {
            switch cg.roles[i] {
            case .conv(let w, _, let depthwise, _) where !depthwise: readers.append((n.inputs[0], try inits.dense(w)!, 1, i))
            case .gemm(let w, _, let transB): readers.append((n.inputs[0], try inits.dense(w)!, transB ? 1 : 0, i))
            case .matMul(let w, _): readers.append((n.inputs[0], try inits.dense(w)!, 0, i))
            default: break
            }
        }
        var replacements: [MeanReplacement.Reader] = []
        let session = try Session(model: model)
        let n = min(data.count, 200)
        let values = try session.run(inputs: [session.inputNames[0]: data.inputs.slice(rows: 0..<n)],
                                     outputs: Array(Set(readers.map { $0.x })))
        var scores: [Int: Double] = [:]
        for r in readers {
            guard let v = values[r.x], v.rank >= 2 else { continue }
            var rep = MeanReplacement.Reader(layer: layers.firstIndex { $0.node == r.node } ?? -1, roots: [], means: [])
            let f = v.floats
            let c = v.shape[1], inner = v.shape[2...].reduce(1, *), batch = v.shape[0]
            for j in 0..<c {
                var mean = 0.0
                for b in 0..<batch {
                    let base = (b * c + j) * inner
                    for t in base..<(base + inner) { mean += Double(abs(f[t])) }
                }
                mean /= Double(batch * inner)
                let norm = r.w.slice(axis: r.inAxis, index: j).reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
                // Mean replacement removes the variation around the mean, not the mean.
                var dev = 0.0
                let mu = mean
                var signed = 0.0
                for b in 0..<batch {
                    let base = (b * c + j) * inner
                    for t in base..<(base + inner) { signed += Double(f[t]) }
                }
                signed /= Double(batch * inner)
                for b in 0..<batch {
                    let base = (b * c + j) * inner
                    for t in base..<(base + inner) { dev += abs(Double(f[t]) - signed) }
                }
                dev /= Double(batch * inner)
                _ = mu
                guard let e = cg.element(r.x, j) else { continue }
                scores[cg.find(e), default: 0] += dev * norm
                rep.roots.append(cg.find(e))
                rep.means.append(signed)
            }
            if rep.layer >= 0 && rep.roots.count == c { replacements.append(rep) }
        }
        return (scores, replacements)
    }

    var candidateCount: Int { candidates.reduce(0) { $0 + $1.filter { $0 }.count } }

    /// The largest candidate score (magnitude) over all layers.
    var maxValue: Double {
        var m = 0.0
        for (s, c) in zip(scores, candidates) { for (v, ok) in zip(s, c) where ok { m = max(m, v) } }
        return m
    }
}
