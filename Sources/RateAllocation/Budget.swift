import Runtime

/// What the compressed model must keep, measured on validation data.
public enum AccuracyBudget: Sendable, Equatable, Codable {
    /// Top-1 on the validation labels at most this many percentage points below the original's.
    case maxDrop(points: Double)
    /// Top-1 agreement with the original model's predictions at least this fraction (0...1).
    case minAgreement(Double)
    /// Mean cosine similarity of the outputs to the original's at least this (−1...1).
    case minCosine(Double)

    public var needsLabels: Bool { if case .maxDrop = self { return true } else { return false } }

    func validate() throws(RateAllocationError) {
        switch self {
        case .maxDrop(let p) where !(p >= 0 && p <= 100):
            throw RateAllocationError(.invalidSetting, "budget", "a top-1 drop of \(p) points is outside 0...100")
        case .minAgreement(let a) where !(a >= 0 && a <= 1):
            throw RateAllocationError(.invalidSetting, "budget", "an agreement of \(a) is outside 0...1")
        case .minCosine(let c) where !(c >= -1 && c <= 1):
            throw RateAllocationError(.invalidSetting, "budget", "a cosine of \(c) is outside -1...1")
        default: return
        }
    }
}

/// Validation samples: one input array (batch axis first) and, for `maxDrop`, class labels.
public struct ValidationData: Sendable {
    public var inputs: NDArray
    public var labels: [Int]?
    public var count: Int { inputs.rank >= 1 ? inputs.shape[0] : 0 }

    public init(inputs: NDArray, labels: [Int]?, source: String = "data") throws(RateAllocationError) {
        let n = inputs.rank >= 1 ? inputs.shape[0] : 0
        guard n > 0 else { throw RateAllocationError(.invalidData, source, "holds no samples; give at least one") }
        if let labels, labels.count != n {
            throw RateAllocationError(.invalidData, source, "\(labels.count) labels for \(n) samples; give one label per sample")
        }
        self.inputs = inputs
        self.labels = labels
    }

    /// The first `fraction` of the samples (at least one) and the rest (nil when empty).
    public func split(validationFraction fraction: Double) throws(RateAllocationError) -> (validation: ValidationData, heldOut: ValidationData?) {
        guard fraction > 0 && fraction <= 1 else {
            throw RateAllocationError(.invalidSetting, "validation split", "\(fraction) is outside (0, 1]")
        }
        let nv = max(1, min(count, Int((Double(count) * fraction).rounded())))
        let v = try ValidationData(inputs: inputs.slice(rows: 0..<nv), labels: labels.map { Array($0[0..<nv]) })
        guard nv < count else { return (v, nil) }
        let h = try ValidationData(inputs: inputs.slice(rows: nv..<count), labels: labels.map { Array($0[nv...]) })
        return (v, h)
    }
}

/// Measures candidate models against the original on one data set and judges the budget.
struct BudgetJudge {
    let budget: AccuracyBudget
    let data: ValidationData
    let reference: Session
    let inputName: String
    /// The original's value of the budget's metric (top-1 fraction, 1 for agreement/cosine).
    let baseline: Double
    let batchSize: Int

    init(budget: AccuracyBudget, data: ValidationData, original: Session, batchSize: Int) throws {
        guard original.inputNames.count == 1 else {
            throw RateAllocationError(.invalidData, "model", "the graph takes \(original.inputNames.count) inputs; rate allocation feeds one")
        }
        if budget.needsLabels && data.labels == nil {
            throw RateAllocationError(.invalidData, "labels", "a top-1 drop budget needs class labels; give labels or use an agreement/cosine budget")
        }
        self.budget = budget
        self.data = data
        self.reference = original
        self.inputName = original.inputNames[0]
        self.batchSize = batchSize
        switch budget {
        case .maxDrop:
            baseline = try original.evaluate(data: [inputName: data.inputs], labels: data.labels!, batchSize: batchSize).top1
        case .minAgreement, .minCosine:
            baseline = 1
        }
    }

    /// The metric of `candidate` (top-1, agreement or cosine) and whether it meets the budget.
    func measure(_ candidate: Session) throws -> (value: Double, meets: Bool) {
        let feed = [inputName: data.inputs]
        switch budget {
        case .maxDrop(let points):
            let top1 = try candidate.evaluate(data: feed, labels: data.labels!, batchSize: batchSize).top1
            // Compared in whole samples so that a drop of exactly P points passes despite rounding.
            let n = Double(data.count)
            return (top1, (baseline - top1) * n <= points / 100 * n + 1e-9)
        case .minAgreement(let a):
            let f = try candidate.fidelity(against: reference, data: feed, batchSize: batchSize)
            return (f.top1Agreement, f.top1Agreement >= a - 1e-12)
        case .minCosine(let c):
            let f = try candidate.fidelity(against: reference, data: feed, batchSize: batchSize)
            return (f.meanCosineSimilarity, f.meanCosineSimilarity >= c)
        }
    }
}

extension ValidationData {
    /// Reads inputs from an .npy file and, if given, integer class labels from another.
    public static func load(data: String, labels: String?) throws -> ValidationData {
        func read(_ path: String) throws -> NDArray {
            do { return try NPY.read(path: path) } catch {
                throw RateAllocationError(.invalidData, path, "\(error) (give an .npy file)")
            }
        }
        let x = try read(data)
        var ys: [Int]?
        if let labels {
            let y = try read(labels)
            guard y.elementType != .float32, y.elementType != .bool else {
                throw RateAllocationError(.invalidData, labels, "labels must be integers, not \(y.elementType)")
            }
            ys = y.int64s.map { Int($0) }
            let n = x.rank >= 1 ? x.shape[0] : 0
            guard ys!.count == n else {
                throw RateAllocationError(.invalidData, labels, "\(ys!.count) labels for \(n) samples in \(data); give one label per sample")
            }
        }
        return try ValidationData(inputs: x, labels: ys, source: data)
    }
}
