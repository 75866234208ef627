import Foundation
import ONNXIO
import Prune
import Runtime
import Train

/// LOBSTER, SeReNe and L2+pruning as the seeds train them: the library behind
/// `nncodec prune --method`. Learning stages (the method's update rule until the validation
/// loss has not improved for PWE epochs) alternate with pruning stages (the largest
/// threshold within (1 + TWT) of the best loss); pruned parameters stay exactly zero.
public enum TrainingPruner {
    public struct Request: Sendable {
        public var model: String
        public var data: String
        public var labels: String?
        public var validationData: String?
        public var validationLabels: String?
        /// Share of the training data held out for validation without validation files.
        public var validationSplit = 0.1
        public var output: String
        public var options: TrainPruneOptions

        public init(model: String, data: String, labels: String?, output: String, options: TrainPruneOptions) {
            self.model = model
            self.data = data
            self.labels = labels
            self.output = output
            self.options = options
        }
    }

    /// Per-layer counts of the result.
    public struct LayerResult: Codable, Sendable, Equatable {
        public var name: String
        public var parameters: Int
        public var nonzero: Int
        public var neurons: Int
        public var liveNeurons: Int
    }

    public struct Result: Codable, Sendable {
        public var model: String
        public var output: String
        public var method: String
        public var lambda: Double
        public var twt: Double
        public var trainSamples: Int
        public var validationSamples: Int
        public var startTop1: Double?
        public var targetTop1: Double?
        public var finalTop1: Double?
        public var finalLoss: Double
        /// Prunable parameters before / non-zero after, and their ratio.
        public var parameters: Int
        public var nonzero: Int
        public var compressionRatio: Double
        public var layers: [LayerResult]
        public var stopped: String
        public var seconds: Double
        public var epochs: [PruneEpoch]
        public var stages: [PruneStage]
    }

    /// Runs the method and writes `request.output` atomically. On a non-finite loss the best
    /// checkpoint so far is written and a `.nonFiniteLoss` error thrown.
    public static func run(_ request: Request, progress: ((PruneEvent) -> Void)? = nil) throws -> Result {
        let o = request.options
        try o.validate()
        guard request.labels != nil else {
            throw TrainPruneError(.invalidData, request.data, "\(o.method.rawValue) trains with cross-entropy and needs class labels for the training data")
        }
        let model = try Model.load(path: request.model)
        let probe: GradientGraph
        do { probe = try GradientGraph(model: model) } catch let e as TrainError where e.kind == .noTrainablePath {
            throw TrainPruneError(.nothingToPrune, request.model, "no Conv, Gemm or MatMul weight (initializer) reaches the outputs; nothing to prune")
        }
        let layers = try PrunableLayer.find(model, parameters: probe.parameters)
        let hidden = layers.filter { !$0.isLast }.map(\.layer.output)
        let graph = o.method == .serene ? try GradientGraph(model: model, extraSources: hidden) : probe
        var fr = Finetune.Request(model: request.model, data: request.data, output: request.output)
        fr.labels = request.labels
        fr.validationData = request.validationData; fr.validationLabels = request.validationLabels
        fr.validationSplit = request.validationSplit; fr.options.seed = o.resolvedSplitSeed
        let (train, v, _) = try Finetune.datasets(fr, graph: graph)
        guard let validation = v else {
            throw TrainPruneError(.invalidData, request.data, "needs validation data: validation files or a split of the training data")
        }
        var loop = PruneLoop(graph: graph, layers: layers, options: o, train: train, validation: validation, progress: progress)
        let outcome = try loop.run()
        graph.parameters = outcome.parameters
        try graph.updatedModel().save(to: request.output, options: SaveOptions(externalData: .keep, dataFileName: FileIO.fileName(of: request.output) + ".data"))
        if let failure = outcome.failure {
            throw TrainPruneError(.nonFiniteLoss, "stage \(loop.stages.count + 1)", "\(failure); the best checkpoint was written to \(request.output); lower the learning rate or λ")
        }
        let count = SparsityCount(layers, outcome.parameters)
        let per = layers.enumerated().map { i, l -> LayerResult in
            let sub = SparsityCount([l], outcome.parameters)
            return LayerResult(name: l.layer.name, parameters: sub.total, nonzero: sub.nonzero, neurons: l.neurons, liveNeurons: count.neurons[i])
        }
        return Result(model: request.model, output: request.output, method: o.method == .serene ? "serene (\(o.sensitivity.rawValue))" : o.method.rawValue,
                      lambda: o.resolvedLambda, twt: o.resolvedTWT, trainSamples: train.count, validationSamples: validation.count,
                      startTop1: loop.startTop1, targetTop1: loop.target, finalTop1: outcome.top1, finalLoss: outcome.loss,
                      parameters: count.total, nonzero: count.nonzero,
                      compressionRatio: count.ratio, layers: per,
                      stopped: outcome.stopped, seconds: loop.seconds, epochs: loop.epochs, stages: loop.stages)
    }
}
