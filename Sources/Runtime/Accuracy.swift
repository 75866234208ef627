#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Classification accuracy of a model on a labelled data set.
public struct AccuracyReport: Sendable, Equatable, CustomStringConvertible {
    public var samples: Int
    /// Fraction (0...1) of samples whose highest-scoring class is the label.
    public var top1: Double
    /// Fraction whose label is among the five highest scores; nil with fewer than 6 classes.
    public var top5: Double?
    /// Mean of −log p(label); scores are treated as logits unless a row is already a
    /// probability distribution (non-negative, sums to 1).
    public var meanCrossEntropy: Double
    public var samplesPerSecond: Double

    public var description: String {
        var s = "top-1 \(pct(top1))"
        if let top5 { s += ", top-5 \(pct(top5))" }
        return s + ", cross-entropy \(String(format4(meanCrossEntropy))), \(samples) samples, \(Int(samplesPerSecond.rounded())) samples/s"
    }
}

/// How closely a candidate model's outputs follow a reference model's.
public struct FidelityReport: Sendable, Equatable, CustomStringConvertible {
    public var samples: Int
    public var maxAbsDiff: Double
    public var meanAbsDiff: Double
    /// Mean over samples of the cosine similarity of the two output rows.
    public var meanCosineSimilarity: Double
    /// Fraction of samples whose arg-max agrees.
    public var top1Agreement: Double

    public var description: String {
        "max |Δ| \(format4(maxAbsDiff)), mean |Δ| \(format4(meanAbsDiff)), cosine \(format4(meanCosineSimilarity)), top-1 agreement \(pct(top1Agreement)), \(samples) samples"
    }
}

private func pct(_ x: Double) -> String { "\(Double(Int((x * 10000).rounded())) / 100)%" }
private func format4(_ x: Double) -> String {
    if x == 0 { return "0" }
    if abs(x) < 1e-3 || abs(x) >= 1e5 {
        let e = Int(floor(log10(abs(x))))
        let m = x / pow(10, Double(e))
        return "\(Double(Int((m * 1000).rounded())) / 1000)e\(e)"
    }
    return "\(Double(Int((x * 10000).rounded())) / 10000)"
}

/// Accumulates fidelity statistics over batches of paired output rows.
public struct FidelityAccumulator: Sendable {
    var n = 0
    var maxAbs = 0.0
    var sumAbs = 0.0
    var elements = 0
    var sumCos = 0.0
    var agree = 0

    public init() {}

    /// Adds a batch: both arrays are [batch, ...] with equal shapes.
    public mutating func add(reference a: NDArray, candidate b: NDArray) throws {
        guard a.shape == b.shape, a.rank >= 1 else {
            throw RuntimeError.invalidArgument("outputs differ in shape: \(a.shape) vs \(b.shape)")
        }
        let x = a.floats, y = b.floats
        let rows = a.shape[0], w = rows == 0 ? 0 : x.count / rows
        for r in 0..<rows {
            var dot = 0.0, nx = 0.0, ny = 0.0
            var bx = 0, by = 0
            for j in 0..<w {
                let p = Double(x[r * w + j]), q = Double(y[r * w + j])
                let d = abs(p - q)
                if d > maxAbs || d.isNaN { maxAbs = d.isNaN ? .infinity : d }
                sumAbs += d
                dot += p * q; nx += p * p; ny += q * q
                if x[r * w + j] > x[r * w + bx] { bx = j }
                if y[r * w + j] > y[r * w + by] { by = j }
            }
            sumCos += (nx == 0 && ny == 0) ? 1 : (nx == 0 || ny == 0 ? 0 : dot / (nx.squareRoot() * ny.squareRoot()))
            if bx == by { agree += 1 }
        }
        elements += x.count
        n += rows
    }

    public var report: FidelityReport {
        FidelityReport(samples: n, maxAbsDiff: maxAbs, meanAbsDiff: elements == 0 ? 0 : sumAbs / Double(elements),
                       meanCosineSimilarity: n == 0 ? 0 : sumCos / Double(n), top1Agreement: n == 0 ? 0 : Double(agree) / Double(n))
    }
}

extension Session {
    /// Number of samples (axis 0) shared by all arrays of `data`.
    static func sampleCount(_ data: [String: NDArray]) throws -> Int {
        var n: Int?
        for (k, v) in data {
            guard v.rank >= 1 else { throw RuntimeError.invalidArgument("data '\(k)' is a scalar; expected [samples, ...]") }
            if let n, n != v.shape[0] {
                throw RuntimeError.invalidArgument("data arrays disagree on the number of samples (\(n) vs \(v.shape[0]) in '\(k)')")
            }
            n = v.shape[0]
        }
        guard let n else { throw RuntimeError.invalidArgument("no data") }
        return n
    }

    /// Runs the data through the model in batches, calling `body(start, outputs)` per batch.
    func forEachBatch(_ data: [String: NDArray], count: Int, batchSize: Int, output: String,
                      _ body: (Int, NDArray) throws -> Void) throws {
        guard batchSize > 0 else { throw RuntimeError.invalidArgument("batch size must be positive") }
        var start = 0
        while start < count {
            let end = min(count, start + batchSize)
            var feed: [String: NDArray] = [:]
            for (k, v) in data { feed[k] = v.slice(rows: start..<end) }
            let out = try run(inputs: feed, outputs: [output])
            guard let y = out[output] else { throw RuntimeError.unknownName(output) }
            guard y.rank >= 1, y.shape[0] == end - start else {
                throw RuntimeError.invalidArgument("output '\(output)' has shape \(y.shape) for a batch of \(end - start)")
            }
            try body(start, y)
            start = end
        }
    }

    /// Top-1/top-5 accuracy and cross-entropy of the model on labelled data.
    ///
    /// - Parameters:
    ///   - data: input arrays by graph input name, each [samples, ...].
    ///   - labels: class index per sample.
    ///   - output: the scores output (default: the first graph output), [samples, classes].
    ///   - progress: called after each batch with (samples done, total).
    public func evaluate(data: [String: NDArray], labels: [Int], batchSize: Int = 64, output: String? = nil,
                         progress: ((Int, Int) -> Void)? = nil) throws -> AccuracyReport {
        let n = try Session.sampleCount(data)
        guard labels.count == n else { throw RuntimeError.invalidArgument("\(labels.count) labels for \(n) samples") }
        guard let out = output ?? outputNames.first else { throw RuntimeError.invalidArgument("the graph has no outputs") }
        var top1 = 0, top5 = 0, classes = 0
        var ce = 0.0
        let clock = ContinuousClock()
        let t0 = clock.now
        try forEachBatch(data, count: n, batchSize: batchSize, output: out) { start, y in
            let rows = y.shape[0]
            let v = y.floats
            let w = rows == 0 ? 0 : v.count / rows
            classes = w
            for r in 0..<rows {
                let row = v[(r * w)..<((r + 1) * w)]
                let label = labels[start + r]
                guard label >= 0 && label < w else {
                    throw RuntimeError.invalidArgument("label \(label) of sample \(start + r) is outside 0..<\(w)")
                }
                let s = row[row.startIndex + label]
                var higher = 0
                for x in row where x > s { higher += 1 }
                if higher == 0 { top1 += 1 }
                if higher < 5 { top5 += 1 }
                var isProb = true
                var sum = 0.0
                for x in row { if x < 0 || x > 1 { isProb = false; break }; sum += Double(x) }
                if isProb && abs(sum - 1) < 1e-3 {
                    ce -= log(max(Double(s), 1e-12))
                } else {
                    let m = Double(row.max() ?? 0)
                    var z = 0.0
                    for x in row { z += exp(Double(x) - m) }
                    ce -= Double(s) - m - log(z)
                }
            }
            progress?(start + rows, n)
        }
        let dt = clock.now - t0
        let seconds = Double(dt.components.seconds) + Double(dt.components.attoseconds) * 1e-18
        return AccuracyReport(samples: n, top1: Double(top1) / Double(max(n, 1)), top5: classes > 5 ? Double(top5) / Double(max(n, 1)) : nil,
                              meanCrossEntropy: ce / Double(max(n, 1)), samplesPerSecond: seconds > 0 ? Double(n) / seconds : 0)
    }

    /// `evaluate` for a model with one input.
    public func evaluate(data: NDArray, labels: [Int], batchSize: Int = 64, output: String? = nil,
                         progress: ((Int, Int) -> Void)? = nil) throws -> AccuracyReport {
        guard inputNames.count == 1 else {
            throw RuntimeError.inputMismatch("the graph takes \(inputNames.count) inputs (\(inputNames.joined(separator: ", "))); pass data by name")
        }
        return try evaluate(data: [inputNames[0]: data], labels: labels, batchSize: batchSize, output: output, progress: progress)
    }

    /// Compares this (candidate) model's output with `reference`'s on the same data.
    public func fidelity(against reference: Session, data: [String: NDArray], batchSize: Int = 64, output: String? = nil,
                         progress: ((Int, Int) -> Void)? = nil) throws -> FidelityReport {
        let n = try Session.sampleCount(data)
        guard let out = output ?? reference.outputNames.first else { throw RuntimeError.invalidArgument("the graph has no outputs") }
        var acc = FidelityAccumulator()
        try reference.forEachBatch(data, count: n, batchSize: batchSize, output: out) { start, ref in
            let end = start + ref.shape[0]
            var feed: [String: NDArray] = [:]
            for (k, v) in data { feed[k] = v.slice(rows: start..<end) }
            let cand = try run(inputs: feed, outputs: [out])
            try acc.add(reference: ref, candidate: cand[out]!)
            progress?(end, n)
        }
        return acc.report
    }
}

/// Top-1/top-5 accuracy and cross-entropy of `session` on labelled data (see `Session.evaluate`).
public func evaluate(_ session: Session, data: [String: NDArray], labels: [Int], batchSize: Int = 64, output: String? = nil,
                     progress: ((Int, Int) -> Void)? = nil) throws -> AccuracyReport {
    try session.evaluate(data: data, labels: labels, batchSize: batchSize, output: output, progress: progress)
}

/// Output fidelity of `candidate` against `reference` (see `Session.fidelity`).
public func compareOutputs(reference: Session, candidate: Session, data: [String: NDArray], batchSize: Int = 64,
                           output: String? = nil, progress: ((Int, Int) -> Void)? = nil) throws -> FidelityReport {
    try candidate.fidelity(against: reference, data: data, batchSize: batchSize, output: output, progress: progress)
}
