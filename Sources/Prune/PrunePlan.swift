import ONNXIO
import Runtime

/// The weights of a model's layers with what each criterion scores, ready to be thresholded
/// many times (the bisection applies one threshold per round).
struct PrunePlan {
    struct Applied {
        var model: Model
        var pruned: Int
        var thresholds: [String: Double]
    }

    let model: Model
    let options: PruneOptions
    let layers: [WeightedLayer]
    let weights: [DenseTensor]
    let biases: [DenseTensor?]
    /// Per layer, per unit (weight element, or neuron): the value compared to the threshold.
    let scores: [[Double]]
    /// Per layer, per unit: may it be pruned.
    let candidates: [[Bool]]
    /// Structured: the scale and shift of a BatchNorm reading a layer's output alone.
    let batchNorms: [(scale: String, bias: String)?]
    /// Structured with activation scores: a pruned neuron is replaced by its mean.
    let meanReplacement: MeanReplacement?

    init(_ model: Model, _ options: PruneOptions, data: LabelledData? = nil) throws {
        guard let g = model.graph else { throw PruneError("the model has no graph") }
        self.model = model
        self.options = options
        let inits = InitializerTable(g)
        let layers = WeightedLayer.find(in: g)
        guard !layers.isEmpty else { throw PruneError("the model has no Conv, Gemm or MatMul with an initializer weight to prune") }
        self.layers = layers
        weights = try layers.map { try inits.dense($0.weight)! }
        biases = try layers.map { l in try l.bias.flatMap { try inits.dense($0) } }
        var scores: [[Double]] = []
        var candidates: [[Bool]] = []
        var bns: [(String, String)?] = []
        switch options.criterion {
        case .unstructured:
            meanReplacement = nil
            for (i, _) in layers.enumerated() {
                var s = weights[i].values.map { Double(abs($0)) }
                if options.includeBiases, let b = biases[i] { s += b.values.map { Double(abs($0)) } }
                scores.append(s)
                candidates.append([Bool](repeating: true, count: s.count))
                bns.append(nil)
            }
        case .structured:
            let shapes = try GraphShapes.shapes(model)
            var cg = ChannelGraph(model: model, shapes: shapes)
            let pinned = cg.pinnedRoots()
            var uses: [String: [Node]] = [:]
            for n in g.nodes { for x in n.inputs where !x.isEmpty { uses[x, default: []].append(n) } }
            var classScore: [Int: Double] = [:]
            var mr: MeanReplacement?
            if options.score == .activation {
                let r: MeanReplacement
                (classScore, r) = try Self.meanReplacement(model, &cg, data!, layers)
                mr = r
            }
            meanReplacement = mr
            for (i, l) in layers.enumerated() {
                let w = weights[i]
                let n = w.dims[l.outputAxis]
                var s: [Double] = []
                var c: [Bool] = []
                for o in 0..<n {
                    var p = w.slice(axis: l.outputAxis, index: o)
                    if let b = biases[i] { p.append(b.values[o]) }
                    let norm: Double
                    switch options.norm {
                    case .l1: norm = p.reduce(0.0) { $0 + Double(abs($1)) } / Double(p.count)
                    case .l2: norm = (p.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(p.count)).squareRoot()
                    }
                    let e = cg.element(l.output, o)
                    s.append(options.score == .activation ? e.map { classScore[cg.find($0)] ?? 0 } ?? 0 : norm)
                    c.append(e.map { !pinned[cg.find($0)] } ?? false)
                }
                scores.append(s)
                candidates.append(c)
                var bn: (String, String)?
                if let us = uses[l.output], us.count == 1, us[0].op == "BatchNormalization", us[0].inputs.count == 5,
                   inits.contains(us[0].inputs[1]), inits.contains(us[0].inputs[2]) {
                    bn = (us[0].inputs[1], us[0].inputs[2])
                }
                bns.append(bn)
            }
        }
        self.scores = scores
        self.candidates = candidates
        self.batchNorms = bns
    }

    func layerMax(_ i: Int) -> Double {
        var m = 0.0
        for (v, ok) in zip(scores[i], candidates[i]) where ok { m = max(m, v) }
        return m
    }

    /// Global threshold, or with perLayer a fraction of each layer's maximum.
    func apply(threshold t: Double) -> Applied {
        apply(thresholds: layers.indices.map { options.perLayer ? t * layerMax($0) : t })
    }

    /// The threshold that prunes the `s` share of candidates (globally or per layer).
    func apply(sparsity s: Double) -> Applied {
        func cut(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            let k = Int((s * Double(sorted.count)).rounded(.down))
            return k == 0 ? -1 : sorted[k - 1]
        }
        if options.perLayer {
            return apply(thresholds: layers.indices.map { i in cut(zip(scores[i], candidates[i]).filter { $0.1 }.map { $0.0 }) })
        }
        var all: [Double] = []
        for (s, c) in zip(scores, candidates) { for (v, ok) in zip(s, c) where ok { all.append(v) } }
        let t = cut(all)
        return apply(thresholds: layers.map { _ in t })
    }

    /// Adds the mean of every pruned channel on a zero-preserving path to its readers' biases.
    private func compensate(_ mr: MeanReplacement, _ inits: inout InitializerTable, _ thresholds: [Double]) {
        var pruned = Set<Int>()
        for (i, s) in scores.enumerated() {
            for (o, v) in s.enumerated() where v <= thresholds[i] && candidates[i][o] && mr.neuronRoots[i].indices.contains(o) {
                pruned.insert(mr.neuronRoots[i][o])
            }
        }
        pruned.formIntersection(mr.simpleRoots)
        guard !pruned.isEmpty else { return }
        for r in mr.readers {
            let l = layers[r.layer]
            guard let bName = l.bias, let w = try? inits.dense(l.weight), var b = try? inits.dense(bName) else { continue }
            let features = w.dims[l.inputAxis], units = w.dims[l.outputAxis]
            let kk = w.count / max(features * units, 1)
            var changed = false
            for j in 0..<min(features, r.roots.count) where pruned.contains(r.roots[j]) && r.means[j] != 0 {
                for o in 0..<units where !w.isZero(axis: l.outputAxis, index: o) {
                    var s = 0.0
                    for t in 0..<kk {
                        s += Double(l.inputAxis == 1 ? w.values[(o * features + j) * kk + t] : w.values[j * units + o])
                    }
                    b.values[o] = Float(Double(b.values[o]) + r.means[j] * s)
                }
                changed = true
            }
            if changed { try? inits.set(bName, b) }
        }
    }

    /// Zeroes every candidate unit of layer i whose score is ≤ thresholds[i].
    func apply(thresholds: [Double]) -> Applied {
        var g = model.graph!
        var inits = InitializerTable(g)
        var pruned = 0
        var named: [String: Double] = [:]
        for (i, l) in layers.enumerated() {
            let t = thresholds[i]
            named[l.name] = t
            guard t >= 0 else { continue }
            var w = weights[i]
            var b = biases[i]
            var bnScale: DenseTensor?, bnBias: DenseTensor?
            if let bn = batchNorms[i] {
                bnScale = try? inits.dense(bn.scale)
                bnBias = try? inits.dense(bn.bias)
            }
            var count = 0
            switch options.criterion {
            case .unstructured:
                let nw = w.count
                for (k, v) in scores[i].enumerated() where v <= t && candidates[i][k] {
                    if k < nw {
                        if w.values[k] != 0 { w.values[k] = 0; count += 1 }
                    } else if b!.values[k - nw] != 0 {
                        b!.values[k - nw] = 0; count += 1
                    }
                }
            case .structured:
                for (o, v) in scores[i].enumerated() where v <= t && candidates[i][o] {
                    let live = !w.isZero(axis: l.outputAxis, index: o) || (b.map { $0.values[o] != 0 } ?? false)
                    if live { count += 1 }
                    w.zero(axis: l.outputAxis, index: o)
                    b?.values[o] = 0
                    bnScale?.values[o] = 0
                    bnBias?.values[o] = 0
                }
            }
            guard count > 0 else { continue }
            pruned += count
            try? inits.set(l.weight, w)
            if let bn = l.bias, let b { try? inits.set(bn, b) }
            if let bn = batchNorms[i], let s = bnScale, let sb = bnBias {
                try? inits.set(bn.scale, s)
                try? inits.set(bn.bias, sb)
            }
        }
        if let mr = meanReplacement { compensate(mr, &inits, thresholds) }
        g = inits.graph
        var m = model
        m.graph = g
        return Applied(model: m, pruned: pruned, thresholds: named)
    }
}
