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
