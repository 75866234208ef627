import ONNXIO
import Runtime

/// Fine-tuning an ONNX model on `.npy` data: the library behind `nncodec finetune`.
public enum Finetune {
    /// Files and settings of one run.
    public struct Request: Sendable {
        public var model: String
        public var data: String
        /// Class labels (.npy of integers); without them `teacher` is required.
        public var labels: String?
        /// The original model whose outputs the student learns (distillation).
        public var teacher: String?
        /// Distill by MSE on logits instead of the temperature-softened KL.
        public var distillMSE = false
        public var temperature = 4.0
        public var validationData: String?
        public var validationLabels: String?
        /// Fraction of the data held out for validation when no validation files are given.
        public var validationSplit = 0.1
        /// Seed of the validation split (default: `options.seed`, which also orders training),
        /// so a run can keep another job's held-out rows while varying the training order.
        public var splitSeed: UInt64?
        public var output: String
        public var options = TrainingOptions()

        public init(model: String, data: String, output: String) {
            self.model = model
            self.data = data
            self.output = output
        }
    }

    /// What was trained and written.
    public struct Result: Codable, Sendable {
        public var model: String
        public var output: String
        public var trainSamples: Int
        public var validationSamples: Int
        public var trainableTensors: Int
        public var trainableParameters: Int
        public var loss: String
        /// Weights held at zero by the sparsity mask (0 without `keepSparsity`).
        public var maskedWeights: Int
        /// Masked weights that are not exactly zero in the output (always 0).
        public var maskViolations: Int
        public var report: TrainingReport
    }

    /// Trains and writes `request.output` atomically (graph unchanged, initializers and
    /// BatchNorm running statistics updated). On a non-finite loss the best checkpoint is
    /// written and a `.nonFiniteLoss` error thrown.
    public static func run(_ request: Request, progress: ((TrainingEvent) -> Void)? = nil) throws -> Result {
        let model = try Model.load(path: request.model)
        let graph = try GradientGraph(model: model, objective: request.options.output.map { [$0] })
        var options = request.options
        let (train, validation, loss) = try datasets(request, graph: graph)
        options.loss = loss
        let trainer = try Trainer(graph: graph, options: options)
        let report = try trainer.fit(train: train, validation: validation, progress: progress)
        let masked = trainer.masks.values.reduce(0) { $0 + $1.filter { !$0 }.count }
        var violations = 0
        for (name, m) in trainer.masks {
            let v = graph.parameters[name]!.f
            violations += m.indices.filter { !m[$0] && v[$0] != 0 }.count
        }
        let out = try graph.updatedModel()
        try out.save(to: request.output, options: SaveOptions(externalData: .keep, dataFileName: FileIO.fileName(of: request.output) + ".data"))
        if report.stopped.hasPrefix("non-finite") {
            throw TrainError(.nonFiniteLoss, request.model, "\(report.stopped); the best checkpoint (epoch \(report.bestEpoch)) was written to \(request.output); lower the learning rate")
        }
        let count = graph.trainable.reduce(0) { $0 + (graph.parameters[$1]?.count ?? 0) }
        let lossName: String
        switch loss {
        case .crossEntropy: lossName = "cross-entropy"
        case .distillKL(let t): lossName = "distillation KL (T = \(t))"
        case .distillMSE: lossName = "distillation MSE"
        }
        return Result(model: request.model, output: request.output, trainSamples: train.count, validationSamples: validation?.count ?? 0,
                      trainableTensors: graph.trainable.count, trainableParameters: count, loss: lossName,
                      maskedWeights: masked, maskViolations: violations, report: report)
    }

    /// Training and validation sets with labels or teacher outputs, and the loss they imply.
    public static func datasets(_ r: Request, graph: GradientGraph) throws -> (Dataset, Dataset?, TrainingOptions.LossKind) {
        guard let input = graph.inputNames.first else { throw TrainError(.invalidData, r.model, "the model has no graph input") }
        func inputs(_ path: String) throws -> NDArray {
            let a = try NPY.read(path: path)
            let want = graph.model.graph?.inputs.first { $0.name == input }?.type?.tensorType?.elemType
            return want.flatMap { try? NDArray.ElementType(onnx: $0) } == .int64 ? a.cast(to: .int64) : a.cast(to: .float32)
        }
        func labels(_ path: String, count: Int) throws -> [Int64] {
            // The one label rule of the tensor layer (integers, one class index per sample).
            let checked: [Int]
            do throws(DataFileError) { checked = try Labels.check(try NPY.read(path: path), source: path, samples: count) } catch {
                throw TrainError(.invalidData, path, error.message)
            }
            return checked.map { Int64($0) }
        }
        let teacher = try r.teacher.map { try Session(path: $0) }
        func teacherOutputs(_ x: NDArray) throws -> NDArray? {
            guard let teacher else { return nil }
            var rows: [NDArray] = []
            var start = 0
            while start < x.shape[0] {
                let end = min(start + 256, x.shape[0])
                rows.append(try teacher.run([x.slice(rows: start..<end)])[teacher.outputNames[0]]!)
                start = end
            }
            let inner = rows[0].shape.dropFirst()
            return NDArray(shape: [x.shape[0]] + inner, floats: rows.flatMap(\.f))
        }
        let loss: TrainingOptions.LossKind
        if r.labels != nil { loss = .crossEntropy }
        else if r.teacher != nil { loss = r.distillMSE ? .distillMSE : .distillKL(temperature: r.temperature) }
        else { throw TrainError(.invalidData, r.data, "no targets: give class labels or a teacher model") }
        let x = try inputs(r.data)
        let all = try Dataset(inputs: x, labels: try r.labels.map { try labels($0, count: x.shape.first ?? 0) }, teacher: try teacherOutputs(x))
        if let vd = r.validationData {
            let vx = try inputs(vd)
            let vl = try r.validationLabels.map { try labels($0, count: vx.shape.first ?? 0) }
            if loss == .crossEntropy && vl == nil { throw TrainError(.invalidData, vd, "validation data needs validation labels") }
            return (all, try Dataset(inputs: vx, labels: vl, teacher: try teacherOutputs(vx)), loss)
        }
        if r.validationSplit <= 0 || all.count < 2 { return (all, nil, loss) }
        guard r.validationSplit < 1 else { throw TrainError(.invalidOption, "validation split", "must be below 1, got \(r.validationSplit)") }
        let s = all.split(validationFraction: r.validationSplit, seed: r.splitSeed ?? r.options.seed)
        return (s.train, s.validation, loss)
    }
}

extension Finetune {
    /// Fine-tunes `model` in memory on labelled `inputs` (a seeded `validationSplit` held
    /// out for the best checkpoint) and returns the model with updated initializers.
    public static func model(_ model: Model, inputs: NDArray, labels: [Int64], options: TrainingOptions,
                             validationSplit: Double = 0.1,
                             progress: ((TrainingEvent) -> Void)? = nil) throws -> (Model, TrainingReport) {
        let graph = try GradientGraph(model: model, objective: options.output.map { [$0] })
        let all = try Dataset(inputs: inputs.cast(to: .float32), labels: labels)
        let (train, validation): (Dataset, Dataset?) = validationSplit > 0 && all.count >= 2
            ? all.split(validationFraction: validationSplit, seed: options.seed) : (all, nil)
        var o = options
        o.loss = .crossEntropy
        let report = try Trainer(graph: graph, options: o).fit(train: train, validation: validation, progress: progress)
        return (try graph.updatedModel(), report)
    }
}
