import Foundation
import ONNXIO
import Runtime
import Tensors

/// Structured pruning with least-squares compensation.
///
/// When neurons of a layer (the producer) are removed, the one Conv/Gemm/MatMul that reads
/// them (the reader) is re-fitted on the remaining inputs: per output unit,
/// min ‖A_keep·w′ + b′ − y‖² + λ‖w′‖², where A are the reader's inputs in the current
/// (already pruned) model and y its pre-activations in the original model, both on
/// calibration data (a Conv reader on im2col patches: a channel owns kh·kw columns; a Gemm
/// reading a Conv through Flatten: a channel owns H·W columns). The neurons go in the order
/// of a group Optimal-Brain-Surgeon elimination on the same normal equations (the neuron
/// whose removal, after re-fitting, adds the least residual goes first); the search takes
/// layers front to back and removes, per layer, the most neurons whose validation loss stays
/// within the bound. Everything happens on the weights before simplification, so
/// `Simplifier` stays exact.
struct CompensationSite {
    /// Indices into the plan's layers.
    var producer: Int
    var reader: Int
    /// Per producer neuron: the reader's input columns it feeds (row layout [output][column]).
    var columns: [[Int]]
    /// Producer neurons that may be removed.
    var candidates: [Int]
    /// Reader input columns (without the bias) and output units.
    var n: Int
    var m: Int
    var conv: ConvGeometry?
    /// The value the reader reads and the value holding its pre-activations (with bias).
    var input: String
    var target: String
}

struct ConvGeometry {
    var kh, kw, sh, sw, dh, dw, pt, pl, pb, pr: Int
    var k: Int { kh * kw }
}

/// Per output, the calibration Gram matrix of the reader's inputs [A 1] and their products
/// with the original pre-activations, divided by the row count.
struct NormalEquations {
    var p: Int
    var m: Int
    /// p × p, row-major (symmetric); the last index is the bias's constant 1.
    var g: [Double]
    /// p × m, row-major.
    var c: [Double]
    /// Σ y² / rows.
    var yy: Double
    var rows: Int
    /// Ridge added to the diagonal of the non-bias columns.
    var lambda: Double
}

public struct CompensationLayerReport: Sendable, Codable, Equatable {
    public var layer: String
    public var reader: String
    public var neuronsBefore: Int
    public var neuronsAfter: Int
    /// The reader's pre-activation error on the calibration data relative to Σ(y − ȳ)²:
    /// with the removed neurons' columns zeroed, and after the least-squares re-fit.
    public var relativeErrorUncompensated: Double
    public var relativeErrorCompensated: Double
    public var bound: Double?
    public var loss: Double?
    public var evaluations: Int
}

enum Compensation {
    /// Ridge relative to the mean diagonal of the Gram matrix.
    static let ridge = 1e-3
    /// Calibration rows cap for Conv readers (images × output positions).
    static let maxConvRows = 24_000

    // MARK: sites

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

    // MARK: normal equations

    /// Rows of [A 1] (row-major, p = n + 1 columns) and Y for images `range` of the calibration data.
    static func rows(_ site: CompensationSite, _ a: NDArray, _ y: NDArray) throws -> (a: [Double], y: [Double], rows: Int) {
        let p = site.n + 1, m = site.m
        let af = a.floats, yf = y.floats
        let batch = a.shape[0]
        guard let geo = site.conv else {
            var ar = [Double](repeating: 0, count: batch * p)
            ar.withUnsafeMutableBufferPointer { d in
                for b in 0..<batch {
                    for j in 0..<site.n { d[b * p + j] = Double(af[b * site.n + j]) }
                    d[b * p + site.n] = 1
                }
            }
            return (ar, yf.map { Double($0) }, batch)
        }
        let c = a.shape[1], h = a.shape[2], w = a.shape[3]
        let axes = try AxisPlan.plan(input: [h, w], kernel: [geo.kh, geo.kw], strides: [geo.sh, geo.sw],
                                     dilations: [geo.dh, geo.dw], pads: [geo.pt, geo.pl, geo.pb, geo.pr], autoPad: "NOTSET")
        let oh = axes[0].output, ow = axes[1].output, positions = oh * ow, k = c * geo.k
        let rows = batch * positions
        var ar = [Double](repeating: 0, count: rows * p)
        var yr = [Double](repeating: 0, count: rows * m)
        // Per image: Tensors' im2col (rows (c, ky, kx), columns positions), transposed into
        // one row of [A 1] per output position.
        var col = [Float](repeating: 0, count: k * positions)
        af.withUnsafeBufferPointer { src in
            col.withUnsafeMutableBufferPointer { cb in
                ar.withUnsafeMutableBufferPointer { d in
                    for b in 0..<batch {
                        im2col(src.baseAddress! + b * c * h * w, channels: c, axes[0], axes[1], cb.baseAddress!, ld: positions)
                        for t in 0..<positions {
                            let base = (b * positions + t) * p
                            for r in 0..<k { d[base + r] = Double(cb[r * positions + t]) }
                            d[base + site.n] = 1
                        }
                    }
                }
            }
        }
        yf.withUnsafeBufferPointer { src in
            yr.withUnsafeMutableBufferPointer { d in
                for b in 0..<batch {
                    for o in 0..<m {
                        for t in 0..<(oh * ow) { d[(b * oh * ow + t) * m + o] = Double(src[(b * m + o) * oh * ow + t]) }
                    }
                }
            }
        }
        return (ar, yr, rows)
    }

    /// The normal equations of `site` on `calibration`: inputs from `current`, targets from `original`.
    static func normalEquations(_ site: CompensationSite, current: Model, original: Model, calibration: NDArray) throws -> NormalEquations {
        let p = site.n + 1, m = site.m
        var images = calibration.shape[0]
        let sc = try Session(model: current), so = try Session(model: original)
        let inName = sc.inputNames[0]
        var ne = NormalEquations(p: p, m: m, g: [Double](repeating: 0, count: p * p), c: [Double](repeating: 0, count: p * m),
                                 yy: 0, rows: 0, lambda: 0)
        let chunk = 50
        var start = 0
        while start < images {
            let r = start..<min(start + chunk, images)
            let xs = calibration.slice(rows: r)
            let a = try sc.run(inputs: [inName: xs], outputs: [site.input])[site.input]!
            let y = try so.run(inputs: [so.inputNames[0]: xs], outputs: [site.target])[site.target]!
            let (ar, yr, rows) = try Self.rows(site, a, y)
            if site.conv != nil && start == 0 {
                // Cap the rows of a Conv reader: images × output positions.
                images = min(images, max(1, maxConvRows / max(1, rows / r.count)))
            }
            ar.withUnsafeBufferPointer { A in
                ne.g.withUnsafeMutableBufferPointer { G in
                    BLAS.dsyrkUpperAtA(n: p, k: rows, a: A.baseAddress, lda: p, c: G.baseAddress, ldc: p)
                }
                yr.withUnsafeBufferPointer { Y in
                    ne.c.withUnsafeMutableBufferPointer { C in
                        BLAS.dgemm(transA: true, transB: false, m: p, n: m, k: rows, alpha: 1,
                                   a: A.baseAddress, lda: p, b: Y.baseAddress, ldb: m, beta: 1, c: C.baseAddress, ldc: m)
                    }
                }
            }
            ne.yy += yr.reduce(0) { $0 + $1 * $1 }
            ne.rows += rows
            start = r.upperBound
        }
        let s = 1 / Double(max(ne.rows, 1))
        ne.g.withUnsafeMutableBufferPointer { G in
            for i in 0..<p {
                for j in i..<p { G[i * p + j] *= s; G[j * p + i] = G[i * p + j] }
            }
        }
        for i in ne.c.indices { ne.c[i] *= s }
        ne.yy *= s
        var d = 0.0
        for i in 0..<(p - 1) { d += ne.g[i * p + i] }
        ne.lambda = ridge * max(d / Double(max(p - 1, 1)), 1e-12)
        return ne
    }

    /// Ridge least squares on the columns `keep` (the bias always): weights as [output][keep index]
    /// and the bias per output.
    static func solve(_ ne: NormalEquations, keep: [Int]) throws -> (w: [Double], b: [Double]) {
        let idx = keep + [ne.p - 1]
        let q = idx.count, m = ne.m
        var h = [Double](repeating: 0, count: q * q)
        var rhs = [Double](repeating: 0, count: q * m)
        ne.g.withUnsafeBufferPointer { G in
            h.withUnsafeMutableBufferPointer { H in
                for a in 0..<q { for b in 0..<q { H[a * q + b] = G[idx[a] * ne.p + idx[b]] } }
                for a in 0..<(q - 1) { H[a * q + a] += ne.lambda }
            }
        }
        ne.c.withUnsafeBufferPointer { C in
            rhs.withUnsafeMutableBufferPointer { R in
                for o in 0..<m { for a in 0..<q { R[o * q + a] = C[idx[a] * m + o] } }
            }
        }
        try posv(&h, &rhs, q, m)
        var w = [Double](repeating: 0, count: m * (q - 1)), b = [Double](repeating: 0, count: m)
        for o in 0..<m {
            for a in 0..<(q - 1) { w[o * (q - 1) + a] = rhs[o * q + a] }
            b[o] = rhs[o * q + q - 1]
        }
        return (w, b)
    }

    /// Solves H X = B for symmetric positive definite H (q × q), B column-major q × nrhs.
    static func posv(_ h: inout [Double], _ b: inout [Double], _ q: Int, _ nrhs: Int) throws {
        let info = h.withUnsafeMutableBufferPointer { H in
            b.withUnsafeMutableBufferPointer { B in BLAS.posvLower(H.baseAddress, B.baseAddress, q: q, nrhs: nrhs) }
        }
        guard info == 0 else { throw PruneError(.numerical, "least-squares compensation: the normal equations are not positive definite (LAPACK dposv info \(info))") }
    }

    /// The calibration error Σ‖A w + b − y‖² / rows of weights `w` ([output][column], all n
    /// columns) and bias `b`.
    static func error(_ ne: NormalEquations, w: [Double], b: [Double]) -> Double {
        let p = ne.p, m = ne.m, n = p - 1
        // E = Σ_o (θ_oᵀ G θ_o − 2 θ_oᵀ c_o) + yy, θ_o = (w_o, b_o).
        var e = ne.yy
        var theta = [Double](repeating: 0, count: p)
        var gt = [Double](repeating: 0, count: p)
        for o in 0..<m {
            for j in 0..<n { theta[j] = w[o * n + j] }
            theta[n] = b[o]
            ne.g.withUnsafeBufferPointer { G in
                BLAS.dsymvUpper(n: p, a: G.baseAddress, lda: p, x: theta, y: &gt)
            }
            var quad = 0.0, lin = 0.0
            for j in 0..<p { quad += theta[j] * gt[j]; lin += theta[j] * ne.c[j * m + o] }
            e += quad - 2 * lin
        }
        return max(e, 0)
    }

    /// Σ_o Σ (y − ȳ)² / rows, the scale the errors are reported relative to.
    static func variance(_ ne: NormalEquations) -> Double {
        // ȳ_o = c[bias, o] (the bias row of Aᵀy / rows); Σ(y − ȳ)² = yy − Σ ȳ².
        var s = ne.yy
        for o in 0..<ne.m { let mu = ne.c[(ne.p - 1) * ne.m + o]; s -= mu * mu }
        return max(s, 1e-30)
    }

    // MARK: elimination order

    /// Group OBS on the ridge normal equations: removes, one neuron at a time, the one whose
    /// columns add the least calibration error after the re-fit; returns the candidates in
    /// removal order.
    static func eliminationOrder(_ ne: NormalEquations, _ site: CompensationSite) throws -> [Int] {
        let p = ne.p, m = ne.m
        // P = (G + λI)⁻¹, W = P C.
        var pm = ne.g
        for i in 0..<(p - 1) { pm[i * p + i] += ne.lambda }
        let info = pm.withUnsafeMutableBufferPointer { P in BLAS.invertLower(P.baseAddress, n: p) }
        guard info == 0 else { throw PruneError(.numerical, "least-squares compensation: cannot invert the normal equations (LAPACK info \(info))") }
        // Column-major lower = row-major upper: mirror it.
        pm.withUnsafeMutableBufferPointer { P in
            for i in 0..<p { for j in (i + 1)..<max(p, i + 1) { P[j * p + i] = P[i * p + j] } }
        }
        var w = [Double](repeating: 0, count: p * m)
        pm.withUnsafeBufferPointer { P in
            ne.c.withUnsafeBufferPointer { C in
                w.withUnsafeMutableBufferPointer { W in
                    BLAS.dgemm(transA: false, transB: false, m: p, n: m, k: p, alpha: 1,
                               a: P.baseAddress, lda: p, b: C.baseAddress, ldb: m, beta: 0, c: W.baseAddress, ldc: m)
                }
            }
        }
        var alive = Set(site.candidates)
        var order: [Int] = []
        while alive.count > 1 {
            var best = -1, bestE = Double.infinity
            var bestZ: [Double] = []
            for o in alive.sorted() {
                let cols = site.columns[o]
                let s = cols.count
                if s == 0 { best = o; bestE = 0; bestZ = []; break }
                var e = 0.0
                var z: [Double] = []
                if s == 1 {
                    let i = cols[0]
                    let d = pm[i * p + i]
                    w.withUnsafeBufferPointer { W in for k in 0..<m { e += W[i * m + k] * W[i * m + k] } }
                    e /= max(d, 1e-300)
                    z = (0..<m).map { w[i * m + $0] / max(d, 1e-300) }
                } else {
                    var pgg = [Double](repeating: 0, count: s * s)
                    var wg = [Double](repeating: 0, count: s * m)
                    for a in 0..<s { for b in 0..<s { pgg[a * s + b] = pm[cols[a] * p + cols[b]] } }
                    for k in 0..<m { for a in 0..<s { wg[k * s + a] = w[cols[a] * m + k] } }
                    z = wg
                    try posv(&pgg, &z, s, m)
                    for t in 0..<(s * m) { e += wg[t] * z[t] }
                }
                if e < bestE { bestE = e; best = o; bestZ = z }
            }
            let cols = site.columns[best]
            let s = cols.count
            if s > 0 {
                // Pg = P[:, g] (p × s, row-major); Z = Pgg⁻¹ P[g, :] (s × p column-major = p × s row-major).
                var pg = [Double](repeating: 0, count: p * s)
                for i in 0..<p { for a in 0..<s { pg[i * s + a] = pm[i * p + cols[a]] } }
                var pgg = [Double](repeating: 0, count: s * s)
                for a in 0..<s { for b in 0..<s { pgg[a * s + b] = pm[cols[a] * p + cols[b]] } }
                var zt = [Double](repeating: 0, count: s * p)
                for j in 0..<p { for a in 0..<s { zt[j * s + a] = pm[cols[a] * p + j] } }
                try posv(&pgg, &zt, s, p)
                pg.withUnsafeBufferPointer { PG in
                    zt.withUnsafeBufferPointer { ZT in
                        pm.withUnsafeMutableBufferPointer { P in
                            BLAS.dgemm(transA: false, transB: true, m: p, n: p, k: s, alpha: -1,
                                       a: PG.baseAddress, lda: s, b: ZT.baseAddress, ldb: s, beta: 1, c: P.baseAddress, ldc: p)
                        }
                    }
                    // bestZ: Pgg⁻¹ W_g, column-major s × m = m × s row-major.
                    bestZ.withUnsafeBufferPointer { Z in
                        w.withUnsafeMutableBufferPointer { W in
                            BLAS.dgemm(transA: false, transB: true, m: p, n: m, k: s, alpha: -1,
                                       a: PG.baseAddress, lda: s, b: Z.baseAddress, ldb: s, beta: 1, c: W.baseAddress, ldc: m)
                        }
                    }
                }
                for i in cols {
                    for j in 0..<p { pm[i * p + j] = 0; pm[j * p + i] = 0 }
                    for k in 0..<m { w[i * m + k] = 0 }
                }
            }
            alive.remove(best)
            order.append(best)
        }
        return order + Array(alive)
    }

    // MARK: models

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

    // MARK: search

    /// Front to back over the compensable layers: with `.twt(x)`, layer i of L removes the
    /// most neurons (in elimination order) whose validation loss stays ≤ (1 + x·(i+1)/L) ×
    /// the unpruned loss; with `.sparsity(s)`, the share s of each layer's candidates.
    static func prune(_ plan: PrunePlan, target: PruneOptions.Target, validation: LabelledData?, calibration: NDArray,
                      report: inout PruneReport,
                      progress: ((_ round: Int, _ rounds: Int, _ threshold: Double, _ loss: Double) -> Void)?) throws -> Model {
        let original = plan.model
        let sites = try sites(plan)
        guard !sites.isEmpty else { throw PruneError("least-squares compensation: no layer whose neurons are read by exactly one Conv/Gemm/MatMul with a bias") }
        report.candidateUnits = sites.reduce(0) { $0 + $1.candidates.count }
        var base: Double?
        if case .twt = target {
            guard let validation else { throw PruneError(.missingData(.labelled), "the twt search needs labelled data") }
            base = try validation.evaluate(original).meanCrossEntropy
            report.baselineLoss = base
        }
        var current = original
        var round = 0
        let rounds = sites.reduce(0) { $0 + Int(log2(Double(max($1.candidates.count, 2))).rounded(.up)) + 1 }
        for (i, site) in sites.enumerated() {
            let ne = try normalEquations(site, current: current, original: original, calibration: calibration)
            let order = try eliminationOrder(ne, site)
            var evaluations = 0
            var lossAt: [Int: Double] = [:]
            func model(_ k: Int) throws -> Model { try apply(plan, site, to: current, removed: Array(order.prefix(k)), ne: ne) }
            let k: Int
            var bound: Double?
            switch target {
            case .sparsity(let s):
                k = min(order.count - 1, Int((s * Double(site.candidates.count)).rounded(.down)))
            case .twt(let x):
                let b = base! * (1 + x * Double(i + 1) / Double(sites.count))
                bound = b
                func ok(_ k: Int) throws -> Bool {
                    let l = try validation!.evaluate(model(k)).meanCrossEntropy
                    lossAt[k] = l
                    evaluations += 1
                    round += 1
                    report.search.append(SearchStep(threshold: Double(k), loss: l, accepted: l <= b))
                    progress?(round, rounds, Double(k), l)
                    return l <= b
                }
                // Largest k (removed neurons) that passes; k = 0 is the model as it is.
                var lo = 0, hi = order.count - 1
                while lo < hi {
                    let mid = (lo + hi + 1) / 2
                    if try ok(mid) { lo = mid } else { hi = mid - 1 }
                }
                k = lo
            case .threshold:
                throw PruneError(.setting([.compensate, .threshold]), "compensation takes a twt or sparsity target, not a threshold")
            }
            let removed = Array(order.prefix(k))
            let next = try model(k)
            // Calibration error of the reader with and without the re-fit.
            let uncompensated = try apply(plan, site, to: current, removed: removed, ne: ne, refit: false)
            let (w0, b0) = try readerWeights(plan, site, uncompensated)
            let (w1, b1) = try readerWeights(plan, site, next)
            let v = variance(ne)
            let lp = plan.layers[site.producer]
            let before = plan.weights[site.producer].dims[lp.outputAxis]
            report.compensation.append(CompensationLayerReport(
                layer: lp.name, reader: plan.layers[site.reader].name, neuronsBefore: before, neuronsAfter: before - k,
                relativeErrorUncompensated: error(ne, w: w0, b: b0) / v, relativeErrorCompensated: error(ne, w: w1, b: b1) / v,
                bound: bound, loss: lossAt[k] ?? (k == 0 ? base : nil), evaluations: evaluations))
            report.prunedUnits += k
            report.layerThresholds[lp.name] = Double(k)
            current = next
        }
        if let validation, base != nil {
            report.finalLoss = try validation.evaluate(current).meanCrossEntropy
            report.lossBound = base! * (1 + { if case .twt(let x) = target { return x } else { return 0 } }())
        }
        return current
    }
}
