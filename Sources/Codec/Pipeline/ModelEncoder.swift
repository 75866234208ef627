import CABAC
import Dispatch
import ONNXIO

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

        var context = NNRSyntaxContext()
        var out = NNRUnitSyntax.write(NNRUnit(header: .init(type: .start), body: .start(profile: writer.profile)), context: &context)
        out += NNRUnitSyntax.write(NNRUnit(header: .init(type: .modelParameterSet), body: .modelParameterSet(writer.modelParameterSet)),
                                   context: &context)
        var topologyBytes = 0
        for t in writer.topologyUnits {
            let bytes = NNRUnitSyntax.write(NNRUnit(header: .init(type: .topology), body: .topology(t)), context: &context)
            topologyBytes += bytes.count
            out += bytes
        }

        let coded = tensors.indices.filter { roles[$0] != .kept }
        var reports = tensors.indices.map { i in
            let t = tensors[i]
            return EncodedTensorReport(name: t.name ?? "", role: roles[i], dtype: t.dataType.description, shape: t.dims,
                                       parameters: t.elementCount, bytes: 0, qp: nil, stepSize: nil, maxError: 0, rmsError: 0)
        }
        // Encode in batches of `threads` tensors; write units in model order.
        let batch = max(1, options.threads)
        var done = 0
        var codedParameters = 0
        for start in stride(from: 0, to: coded.count, by: batch) {
            let indices = Array(coded[start..<min(start + batch, coded.count)])
            let results = UnsafeResultBox<(NNRUnit, EncodedTensorReport)>(count: indices.count)
            let frozenWriter = writer
            let frozenReports = indices.map { reports[$0] }
            DispatchQueue.concurrentPerform(iterations: indices.count) { k in
                let i = indices[k]
                results.set(k, Result { try encodeTensor(tensors[i], role: roles[i], parameterId: i,
                                                        writer: frozenWriter, report: frozenReports[k]) })
            }
            for (k, i) in indices.enumerated() {
                let (unit, report) = try results.get(k)
                let bytes = NNRUnitSyntax.write(unit, context: &context)
                out += bytes
                reports[i] = report
                reports[i].bytes = bytes.count
                codedParameters += report.parameters
                done += 1
                progress?(done, coded.count, report.name)
            }
        }
        let report = EncodeReport(options: options, tensors: reports, bitstreamBytes: out.count,
                                  topologyBytes: topologyBytes, codedParameters: codedParameters)
        return (out, report)
    }

    private func encodeTensor(_ t: Tensor, role: TensorRole, parameterId: Int, writer: NNRWriter,
                              report: EncodedTensorReport) throws -> (NNRUnit, EncodedTensorReport) {
        var r = report
        let dims = t.dims.isEmpty ? [1] : t.dims.map { Int($0) }
        let name = t.name!
        var coding = TensorCodingOptions(dependentQuantization: false, unaryLength: options.unaryLength,
                                         rowSkipSyntax: writer.profile == 1, rowSkipping: options.rowSkipping,
                                         optimizeInitialization: options.optimizeInitialization)
        coding.initializationSearchLimit = options.initializationSearchLimit
        let data: NNRTensorInput.Data
        switch role {
        case .weight, .nonWeight:
            let values = try t.floatValues()
            let qp = role == .weight ? options.qp : options.nonWeightQp
            let step = NNRQuantization.stepSize(qp: qp, qpDensity: options.qpDensity)
            let dq = options.dependentQuantization   // as NNCodec: every quantized tensor, biases too
            coding.dependentQuantization = dq
            let levels = try WeightQuantizer.quantize(values, qp: qp, qpDensity: options.qpDensity, dependent: dq,
                                                      lambda: options.lambda,
                                                      unaryLength: options.unaryLength, tensor: name)
            (r.maxError, r.rmsError) = Self.errors(values, levels: levels, step: step)
            r.qp = qp
            r.stepSize = step
            data = .quantized(levels: levels, qp: qp)
        case .rawFloat:
            data = .rawFloat(try t.floatValues())
        case .integer:
            data = .integers(try t.int64Values().map { Int32($0) })
        case .kept:
            throw EncodeError("internal: kept tensor '\(name)' sent to the coder")
        }
        let unit = try writer.compressedDataUnit(NNRTensorInput(name: name, dimensions: dims, data: data, coding: coding),
                                                 parameterId: parameterId)
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

/// Results of concurrent work, one slot per iteration.
final class UnsafeResultBox<T>: @unchecked Sendable {
    private var slots: [Result<T, any Error>?]
    private let lock = DispatchQueue(label: "nncodec.results")
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<T, any Error>) { lock.sync { slots[i] = r } }
    func get(_ i: Int) throws -> T { try lock.sync { slots[i]! }.get() }
}
