import Foundation
import Runtime

/// A scalar objective's value and its gradient with respect to the values it was computed from.
public struct ObjectiveValue {
    public var value: Double
    /// ∂objective/∂value, the seed of the backward pass.
    public var gradient: NDArray
    /// Correct top-1 predictions (classification losses), else nil.
    public var correct: Int?
}

/// Losses and other scalar objectives over model outputs (batch axis first).
public enum Losses {
    /// Mean cross-entropy of `logits` [N, C] (or [N, C, ...] flattened to [N, C·...] is not
    /// supported) against integer class labels; labels outside 0..<C are an error naming the
    /// sample.
    public static func crossEntropy(logits: NDArray, labels: ArraySlice<Int64>, firstSample: Int = 0) throws -> ObjectiveValue {
        guard logits.rank == 2, labels.count == logits.shape[0] else {
            throw TrainError(.invalidData, "labels", "\(labels.count) labels for outputs of shape \(logits.shape); need one class index per row of an N×C output")
        }
        let N = logits.shape[0], C = logits.shape[1]
        let z = logits.f
        var grad = [Float](repeating: 0, count: z.count)
        var total = 0.0
        var correct = 0
        for (n, label) in labels.enumerated() {
            guard label >= 0 && label < C else {
                throw TrainError(.invalidData, "labels[\(firstSample + n)]", "class \(label) is outside 0..<\(C), the model's \(C) outputs")
            }
            let row = Array(z[(n * C)..<((n + 1) * C)])
            let (p, lse) = softmax(row, temperature: 1)
            total += lse - Double(row[Int(label)])
            if row.indices.max(by: { row[$0] < row[$1] }) == Int(label) { correct += 1 }
            for c in 0..<C { grad[n * C + c] = Float((p[c] - (c == Int(label) ? 1 : 0)) / Double(N)) }
        }
        return ObjectiveValue(value: total / Double(N), gradient: NDArray(shape: logits.shape, floats: grad), correct: correct)
    }

    /// Knowledge distillation: T²·mean over samples of KL(softmax(teacher/T) ‖ softmax(student/T)).
    public static func distillationKL(student: NDArray, teacher: NDArray, temperature T: Double) throws -> ObjectiveValue {
        guard student.shape == teacher.shape, student.rank == 2 else {
            throw TrainError(.invalidData, "teacher outputs", "shape \(teacher.shape) does not match the student's \(student.shape)")
        }
        let N = student.shape[0], C = student.shape[1]
        let s = student.f, t = teacher.f
        var grad = [Float](repeating: 0, count: s.count)
        var total = 0.0
        for n in 0..<N {
            let (ps, _) = softmax(Array(s[(n * C)..<((n + 1) * C)]), temperature: T)
            let (pt, _) = softmax(Array(t[(n * C)..<((n + 1) * C)]), temperature: T)
            for c in 0..<C {
                if pt[c] > 0 { total += pt[c] * (Foundation.log(pt[c]) - Foundation.log(max(ps[c], 1e-300))) }
                grad[n * C + c] = Float(T * (ps[c] - pt[c]) / Double(N))
            }
        }
        return ObjectiveValue(value: T * T * total / Double(N), gradient: NDArray(shape: student.shape, floats: grad))
    }

    /// Mean squared difference of logits.
    public static func logitMSE(student: NDArray, teacher: NDArray) throws -> ObjectiveValue {
        guard student.shape == teacher.shape else {
            throw TrainError(.invalidData, "teacher outputs", "shape \(teacher.shape) does not match the student's \(student.shape)")
        }
        let s = student.f, t = teacher.f
        let n = Double(max(s.count, 1))
        var total = 0.0
        var grad = [Float](repeating: 0, count: s.count)
        for i in 0..<s.count {
            let d = Double(s[i] - t[i])
            total += d * d
            grad[i] = Float(2 * d / n)
        }
        return ObjectiveValue(value: total / n, gradient: NDArray(shape: student.shape, floats: grad))
    }

    /// The mean of all elements of `y` (SeReNe's lower-bound sensitivity seeds with this).
    public static func mean(of y: NDArray) -> ObjectiveValue {
        let v = y.f
        let n = Float(max(v.count, 1))
        return ObjectiveValue(value: v.reduce(0.0) { $0 + Double($1) } / Double(n),
                              gradient: NDArray(shape: y.shape, floats: [Float](repeating: 1 / n, count: v.count)))
    }

    /// One element of `y` at flat index `index` (one output neuron).
    public static func element(of y: NDArray, index: Int) -> ObjectiveValue {
        var g = [Float](repeating: 0, count: y.count)
        g[index] = 1
        return ObjectiveValue(value: Double(y.f[index]), gradient: NDArray(shape: y.shape, floats: g))
    }

    /// Softmax of `z/T` in double precision, and log Σ exp(z) (for T = 1).
    static func softmax(_ z: [Float], temperature T: Double) -> ([Double], Double) {
        let m = Double(z.max() ?? 0)
        var e = z.map { Foundation.exp((Double($0) - m) / T) }
        let s = e.reduce(0, +)
        for i in 0..<e.count { e[i] /= s }
        return (e, m + Foundation.log(s))
    }
}
