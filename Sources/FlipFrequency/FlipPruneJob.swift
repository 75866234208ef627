import ONNXIO
import Runtime
import Train

extension FlipPruner {
    /// Files and settings of one run.
    public struct Request: Sendable {
        public var model: String
        public var data: String
        public var labels: String
        public var validationData: String?
        public var validationLabels: String?
        /// Share of `data` held out (seeded) for validation without validation files.
        public var validationSplit = 0.1
        public var output: String
        public var options = FlipPruneOptions()

        public init(model: String, data: String, labels: String, output: String) {
            self.model = model
            self.data = data
            self.labels = labels
            self.output = output
        }
    }

    public struct Job: Sendable, Codable {
        public var model: String
        public var output: String
        public var result: FlipPruneResult
    }

    /// Loads the model and data, runs the rounds and writes the result atomically (nothing
    /// is written when a round fails).
    public static func run(_ request: Request, progress: ((FlipEvent) -> Void)? = nil) throws -> Job {
        try request.options.validate()
        let model = try Model.load(path: request.model)
        guard !(try BinaryLayer.find(in: model)).isEmpty else {
            throw FlipError(.notBinary, request.model, "no Conv, Gemm or MatMul computes with Sign(initializer); flip-frequency pruning needs a binary network with latent weights")
        }
        var f = Finetune.Request(model: request.model, data: request.data, output: request.output)
        f.labels = request.labels
        f.validationData = request.validationData
        f.validationLabels = request.validationLabels
        f.validationSplit = request.validationSplit
        f.options.seed = request.options.seed
        let (train, validation, _) = try Finetune.datasets(f, graph: try GradientGraph(model: model))
        guard let validation, validation.count > 0 else {
            throw FlipError(.invalidData, request.data, "no validation samples: give validation data or a validation split above 0")
        }
        let (pruned, result) = try prune(model, train: train, validation: validation, options: request.options, progress: progress)
        _ = try pruned.save(to: request.output)
        return Job(model: request.model, output: request.output, result: result)
    }
}
