import Foundation
import ONNXIO
import Runtime
import Tensors

// The calibration normal equations of a reader, their ridge solution and its error.

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

extension Compensation {
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
}
