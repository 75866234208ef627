import Tensors

// The order in which a compensable layer's neurons go: group Optimal Brain Surgeon on the
// ridge normal equations (see Compensation.swift).

extension Compensation {
    /// Group OBS on the ridge normal equations: removes, one neuron at a time, the one whose
    /// columns add the least calibration error after the re-fit; returns the candidates in
    /// removal order.
    static func eliminationOrder(_ ne: NormalEquations, _ site: CompensationSite) throws -> [Int] {
        var (pm, w) = try inverseAndWeights(ne)
        var alive = Set(site.candidates)
        var order: [Int] = []
        while alive.count > 1 {
            let (best, bestZ) = try cheapest(alive, site, pm: pm, w: w, p: ne.p, m: ne.m)
            let cols = site.columns[best]
            if !cols.isEmpty {
                try downdate(&pm, &w, removing: cols, z: bestZ, p: ne.p, m: ne.m)
            }
            alive.remove(best)
            order.append(best)
        }
        return order + Array(alive)
    }

    /// P = (G + λI)⁻¹ (full, row-major) and W = P C.
    private static func inverseAndWeights(_ ne: NormalEquations) throws -> (pm: [Double], w: [Double]) {
        let p = ne.p, m = ne.m
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
        return (pm, w)
    }

    /// The live neuron whose removal adds the least error after the re-fit, and its
    /// Pgg⁻¹ W_g (column-major s × m).
    private static func cheapest(_ alive: Set<Int>, _ site: CompensationSite, pm: [Double], w: [Double],
                                 p: Int, m: Int) throws -> (best: Int, z: [Double]) {
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
        return (best, bestZ)
    }

    /// Removes the columns `cols` from P and W (the OBS downdate) given z = Pgg⁻¹ W_g.
    private static func downdate(_ pm: inout [Double], _ w: inout [Double], removing cols: [Int], z bestZ: [Double],
                                 p: Int, m: Int) throws {
        let s = cols.count
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
}
