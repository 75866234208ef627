import CABAC
import ONNXIO
import Synchronization

/// Per-tensor outcome of an encode.
public struct EncodedTensorReport: Sendable, Codable, Equatable {
    public var name: String
    public var role: TensorRole
    public var dtype: String
    public var shape: [Int64]
    public var parameters: Int
    /// Bytes of the tensor's compressed-data unit (0 for kept tensors).
    public var bytes: Int
    public var qp: Int?
    public var stepSize: Float?
    /// max |w − ŵ| and root-mean-square error of the float32 reconstruction.
    public var maxError: Double
    public var rmsError: Double

    public var bitsPerParameter: Double { parameters == 0 ? 0 : Double(bytes * 8) / Double(parameters) }
}

/// Everything an encode reports.
public struct EncodeReport: Sendable, Codable, Equatable {
    public var options: EncodeOptions
    public var tensors: [EncodedTensorReport]
    public var bitstreamBytes: Int
    /// Bytes of the topology unit (the ONNX graph without coded tensor data).
    public var topologyBytes: Int
    /// Parameters in compressed-data units.
    public var codedParameters: Int

    /// Bits per coded parameter, over the whole stream.
    public var bitsPerParameter: Double { codedParameters == 0 ? 0 : Double(bitstreamBytes * 8) / Double(codedParameters) }

    /// max and RMS error over the tensors of one role.
    public func error(of role: TensorRole) -> (max: Double, rms: Double, parameters: Int)? {
        let ts = tensors.filter { $0.role == role }
        guard !ts.isEmpty else { return nil }
        let n = ts.reduce(0) { $0 + $1.parameters }
        let sq = ts.reduce(0.0) { $0 + $1.rmsError * $1.rmsError * Double($1.parameters) }
        return (ts.map(\.maxError).max() ?? 0, n == 0 ? 0 : (sq / Double(n)).squareRoot(), n)
    }
}

/// Turns an ONNX model into an NNR bitstream.
public struct ModelEncoder: Sendable {
    public var options: EncodeOptions

    public init(options: EncodeOptions) { self.options = options }

    /// Encodes `model`. `progress` is called after each tensor (done, total, name).
    public func encode(_ model: Model, progress: (@Sendable (Int, Int, String) -> Void)? = nil) throws -> (bytes: [UInt8], report: EncodeReport) {
        var out: [UInt8] = []
        let report = try encode(model, largestFirst: true, progress: progress) { out += $0 }
        return (out, report)
    }

    /// Encodes `model` into `sink`, unit by unit in model order: each unit goes to `sink` as
    /// soon as those before it are written, and the payload of each tensor mapped from a file
    /// is evicted once it is coded. `largestFirst` schedules the biggest tensors first (the
    /// finished units may wait for the small ones before them); otherwise tensors are taken
    /// in model order with at most 2 × threads in flight. The bytes are the same either way,
    /// for any thread count.
    func encode(_ model: Model, largestFirst: Bool, progress: (@Sendable (Int, Int, String) -> Void)?,
                sink: ([UInt8]) throws -> Void) throws -> EncodeReport {
        try options.validate()
        guard model.graph != nil else { throw EncodeError("the model has no graph") }

        var writer = NNRWriter()
        writer.modelParameterSet.qpDensity = options.qpDensity
        writer.modelParameterSet.quantizationParameter = options.qp
        // Initializers, Constant values and subgraph tensors, coded by the same rules.
        let plan = TensorPlan.plan(model, options: options)
        let tensors = plan.map(\.tensor)
        let roles = plan.map(\.role)
        if options.carryTopology {
            writer.topologyUnits = [try TopologyCodec.unit(for: TensorPlan.stripped(model.inlined(), plan: plan))]
        }
        var stream = NNRStreamWriter(writer)
        try sink(stream.headerBytes)
        var total = stream.headerBytes.count

        let coded = tensors.indices.filter { roles[$0] != .kept }
        var reports = tensors.indices.map { i in
            let t = tensors[i]
            return EncodedTensorReport(name: t.name ?? "", role: roles[i], dtype: t.dataType.description, shape: t.dims,
                                       parameters: t.elementCount, bytes: 0, qp: nil, stepSize: nil, maxError: 0, rmsError: 0)
        }
        let frozenWriter = writer
        let frozenReports = reports
        let totalElements = coded.reduce(0) { $0 + tensors[$1].elementCount }
        let threads = options.threads
        let counter = ProgressCounter(total: coded.count, progress)
        let job: @Sendable (Int, SegmentRunner?) throws -> (NNRUnit, EncodedTensorReport) = { k, runner in
            let i = coded[k]
            let t = tensors[i]
            // A tensor that bounds the makespan hands its rows of blocks to the pool's workers.
            let inner = ParallelWork.innerThreads(elements: t.elementCount, total: totalElements, threads: threads)
            let r = try encodeTensor(t, role: roles[i], parameterId: i, writer: frozenWriter, report: frozenReports[i],
                                     runner: inner > 1 ? runner : nil)
            t.rawData?.evict()
            counter.step(r.1.name)
            return r
        }
        var codedParameters = 0
        func write(_ k: Int, _ result: (NNRUnit, EncodedTensorReport)) throws {
            let i = coded[k]
            let bytes = stream.append(result.0)
            try sink(bytes)
            total += bytes.count
            reports[i] = result.1
            reports[i].bytes = bytes.count
            codedParameters += result.1.parameters
        }
        let costs = largestFirst ? coded.map { tensors[$0].elementCount } : nil
        try ParallelWork.ordered(count: coded.count, threads: options.threads, costs: costs, job, consume: write)
        return EncodeReport(options: options, tensors: reports, bitstreamBytes: total,
                            topologyBytes: stream.topologyBytes, codedParameters: codedParameters)
    }

    /// The unit of one tensor; a block-scanned tensor's rows of blocks are quantized (DQ) and
    /// coded through `runner`.
    private func encodeTensor(_ t: Tensor, role: TensorRole, parameterId: Int, writer: NNRWriter,
                              report: EncodedTensorReport, runner: SegmentRunner?) throws -> (NNRUnit, EncodedTensorReport) {
        var r = report
        let dims = t.dims.isEmpty ? [1] : t.dims.map { Int($0) }
        let name = t.name!
        var coding = TensorCodingOptions(dependentQuantization: false, unaryLength: options.rateModelUnaryLength,
                                         rowSkipSyntax: writer.profile == 1, rowSkipping: options.rowSkipping,
                                         optimizeInitialization: options.optimizeInitialization)
        coding.initializationSearchLimit = options.initializationSearchLimit
        let data: NNRTensorInput.Data
        switch role {
        case .weight, .nonWeight:
            let values = try t.floatValues()
            let qp = role == .weight ? (WeightQuantizer.isBinary(values) ? 0 : options.weightQp(of: name)) : options.nonWeightQp(of: name)
            let step = NNRQuantization.stepSize(qp: qp, qpDensity: options.qpDensity)
            let dq = options.dependentQuantization   // as NNCodec: every quantized tensor, biases too
            coding.dependentQuantization = dq
            let rowWidth = dims.dropFirst().reduce(1, *)
            coding.scanOrder = role == .weight ? options.scanOrder(elements: values.count, rowWidth: rowWidth) : 0
            // The trellis follows the coding order; NNCodec's skipped block rows advance the
            // DQ state by whole rows, which no trellis path matches, so DQ scans skip no rows.
            if dq && coding.scanOrder > 0 { coding.rowSkipping = false }
            let levels = try WeightQuantizer.quantize(values, qp: qp, qpDensity: options.qpDensity, dependent: dq,
                                                      lambda: options.lambda, unaryLength: options.rateModelUnaryLength,
                                                      tensor: name, rowWidth: rowWidth, scanOrder: dq ? coding.scanOrder : 0,
                                                      runner: runner)
            if options.unaryLength == nil { coding.unaryLength = UnaryLengthChoice.best(levels, dependentQuantization: dq) }
            (r.maxError, r.rmsError) = Self.errors(values, levels: levels, step: step)
            r.qp = qp
            r.stepSize = step
            data = .quantized(levels: levels, qp: qp)
        case .rawFloat:
            // Exact values go as levels at a power-of-two step that represents each one
            // (`ExactStep`), a FLOAT unit every decoder reads (NNCodec 2.1.3 misreads units
            // after a RAW_FLOAT one); RAW_FLOAT stays for ±inf/NaN, −0 and unsignallable steps.
            let values = try t.floatValues()
            guard let exact = ExactStep.choose(values, qpDensity: options.qpDensity,
                                               qps: writer.modelParameterSet.signallableQps).step else {
                data = .rawFloat(values)
                break
            }
            if options.unaryLength == nil { coding.unaryLength = UnaryLengthChoice.best(exact.levels, dependentQuantization: false) }
            r.qp = exact.qp
            r.stepSize = NNRQuantization.stepSize(qp: exact.qp, qpDensity: options.qpDensity)
            data = .quantized(levels: exact.levels, qp: exact.qp)
        case .integer:
            let values = try t.int64Values().map { Int32($0) }
            if options.unaryLength == nil { coding.unaryLength = UnaryLengthChoice.best(values, dependentQuantization: false) }
            data = .integers(values)
        case .kept:
            throw EncodeError("internal: kept tensor '\(name)' sent to the coder")
        }
        let unit = try writer.compressedDataUnit(NNRTensorInput(name: name, dimensions: dims, data: data, coding: coding),
                                                 parameterId: parameterId, runner: runner)
        return (unit, r)
    }

    static func errors(_ values: [Float], levels: [Int32], step: Float) -> (Double, Double) {
        var maxE: Double = 0
        var sum: Double = 0
        for i in values.indices {
            let e = Double(abs(values[i] - Float(levels[i]) * step))
            maxE = max(maxE, e)
            sum += e * e
        }
        return (maxE, values.isEmpty ? 0 : (sum / Double(values.count)).squareRoot())
    }
}

extension Tensor {
    /// Removes the payload (raw and typed data, external-data record); name, dtype and
    /// dims stay so the decoder can restore the tensor exactly.
    mutating func stripPayload() {
        rawData = nil
        clearTypedFields()
        externalData = []
        dataLocation = nil
    }
}

/// Calls a progress callback from worker threads one at a time, counting finished jobs.
final class ProgressCounter: Sendable {
    private let done = Mutex(0)
    private let total: Int
    private let progress: (@Sendable (Int, Int, String) -> Void)?

    init(total: Int, _ progress: (@Sendable (Int, Int, String) -> Void)?) {
        self.total = total
        self.progress = progress
    }

    func step(_ name: String) {
        done.withLock { n in
            n += 1
            progress?(n, total, name)
        }
    }
}
