import ArgumentParser
import Foundation
import ONNXIO
import Prune
import Runtime

extension Criterion: ExpressibleByArgument {}
extension NeuronNorm: ExpressibleByArgument {}
extension NeuronScore: ExpressibleByArgument {}

/// The pruning options `prune` and `encode --prune` share.
struct PruneArguments: ParsableArguments {
    @Option(help: "Prune this share of the weights (unstructured) or neurons (structured), in [0, 1).")
    var sparsity: Double?
    @Option(help: "Prune weights with |w| ≤ T, or neurons whose normalized norm is ≤ T (with --per-layer: a fraction of each layer's largest).")
    var threshold: Double?
    @Option(help: "LOBSTER search: the largest threshold whose validation loss is at most (1 + X) × the unpruned loss (needs --data and --labels).")
    var twt: Double?
    @Option(help: "Input samples (.npy, [N, ...]); the first half validates the search, the second half is held out.")
    var data: String?
    @Option(help: "Integer labels (.npy, [N]).")
    var labels: String?
    @Flag(help: "Choose thresholds per layer instead of one global threshold.")
    var perLayer = false
    @Option(help: "Neuron score for structured pruning: l1 or l2 (normalized by the neuron's parameter count).")
    var norm: NeuronNorm = .l2
    @Option(help: "Structured: rank neurons by their norm (data-free) or by activation (mean |activation| × outgoing weights, on --data).")
    var score: NeuronScore = .norm
    @Flag(help: "Unstructured: threshold biases as well as weights.")
    var includeBiases = false
    @Option(help: "The search stops when its step is below EPSILON × the largest magnitude or score.")
    var epsilon: Double = 1e-3
    @Flag(help: "Structured: least-squares compensation. The layer reading removed neurons is re-fitted on --calibration; neurons go in elimination order; --twt searches layer by layer (with --twt or --sparsity).")
    var compensate = false
    @Option(help: "Calibration inputs (.npy, [N, ...]) that --compensate fits on (default: the first half of --data). Use data the search does not validate on.")
    var calibration: String?

    /// The options for `criterion`, or a one-line error about the arguments.
    func options(_ criterion: Criterion) throws -> PruneOptions {
        let given = [sparsity != nil, threshold != nil, twt != nil].filter { $0 }.count
        guard given == 1 else {
            throw ValidationError(given == 0 ? "give one of --sparsity, --threshold or --twt"
                                             : "give only one of --sparsity, --threshold and --twt")
        }
        if (data == nil) != (labels == nil) { throw ValidationError("--data and --labels go together") }
        if criterion == .structured && score == .activation && data == nil {
            throw ValidationError("--score activation measures activations: add --data X.npy --labels Y.npy")
        }
        if twt != nil && data == nil { throw ValidationError("--twt searches against labelled data: add --data X.npy --labels Y.npy") }
        if calibration != nil && !compensate { throw ValidationError("--calibration goes with --compensate") }
        if compensate && calibration == nil && data == nil {
            throw ValidationError("--compensate fits on calibration data: add --calibration X.npy (or --data X.npy --labels Y.npy)")
        }
        let target: PruneOptions.Target = sparsity.map { .sparsity($0) } ?? threshold.map { .threshold($0) } ?? .twt(twt!)
        let o = PruneOptions(criterion: criterion, target: target, perLayer: perLayer, norm: norm,
                             score: score, includeBiases: includeBiases, epsilon: epsilon, compensate: compensate)
        do { try o.validate() } catch let e as PruneError { throw ValidationError(ErrorAdvice.message(for: e)) }
        return o
    }

    func labelled() throws -> LabelledData? {
        guard let data, let labels else { return nil }
        return try LabelledData.load(data: data, labels: labels)
    }

    /// The calibration inputs of --calibration, if given.
    func calibrationInputs() throws -> NDArray? {
        try calibration.map { try Runtime.NPY.read(path: $0) }
    }
}
