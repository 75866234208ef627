import CABAC
import ONNXIO

/// A failure of the decoder: a kind (keeping the bitstream's `NNRError` or the topology's
/// `ONNXError` with their byte offsets) and one line naming the file.
public struct DecodeError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable {
        case general
        /// The stream has tensors but no graph: decoding needs the original model.
        case missingGraph
        /// A tensor of the stream does not fit the graph it was given.
        case graphMismatch(tensor: String)
        /// The NNR syntax is truncated or corrupt.
        case bitstream(NNRError)
        /// The ONNX model of the topology unit does not parse.
        case topology(ONNXError)
    }

    public var kind: Kind
    public var description: String

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }

    public init(_ d: String) { self.init(.general, d) }
}

/// Per-tensor outcome of a decode.
public struct DecodedTensorReport: Sendable, Codable, Equatable {
    public var name: String
    public var payload: String
    public var dtype: String
    public var shape: [Int]
    public var parameters: Int
    public var bytes: Int
    public var qp: Int?
    public var dependentQuantization: Bool
    public var bitsPerParameter: Double { parameters == 0 ? 0 : Double(bytes * 8) / Double(parameters) }
}

public struct DecodeReport: Sendable, Codable, Equatable {
    public var bitstreamBytes: Int
    public var units: Int
    public var profile: Int?
    public var qpDensity: Int?
    public var modelQp: Int?
    public var graphSource: String
    public var topologyBytes: Int
    public var tensors: [DecodedTensorReport]
}

/// Turns an NNR bitstream back into an ONNX model.
public enum ModelDecoder {
    /// Decodes `bytes` (named `source` in errors). The graph comes from the stream's ONNX
    /// topology unit, or from `graph` (required for streams without one, e.g. NNCodec's).
    /// With `graph`, tensors of the stream replace that model's initializers by name.
    /// `threads` tensors are decoded at once (largest first); the model is the same for any count.
    public static func decode<S: NNRByteSource>(_ bytes: S, source: String, graph: Model? = nil, threads: Int = ParallelWork.defaultThreads,
                              progress: ((Int, String) -> Void)? = nil) throws -> (model: Model, report: DecodeReport) {
        try decode(bytes, source: source, graph: graph, threads: threads, progress: progress, store: nil)
    }

    /// `decode`, with `store` called on each tensor as soon as it is filled (in stream order,
    /// one at a time); a `store` that moves the payload out (to a data file) keeps memory
    /// bounded, and the tensor's external-data record is then left as `store` set it.
    static func decode<S: NNRByteSource>(_ bytes: S, source: String, graph: Model?, threads: Int, progress: ((Int, String) -> Void)?,
                       store: ((inout Tensor) throws -> Void)?) throws -> (model: Model, report: DecodeReport) {
        var model = graph
        var graphSource = graph == nil ? "" : "given model"
        var index: [String: LocatedTensor] = [:]
        var filled = Set<String>()
        var reports: [DecodedTensorReport] = []
        var topologyBytes = 0
        func buildIndex() {
            index = [:]
            for lt in model?.locatedTensors() ?? [] {
                if let n = lt.tensor.name, index[n] == nil { index[n] = lt }
            }
        }
        buildIndex()
        let header: NNRBitstream.Header
        do {
            header = try NNRBitstream.decode(bytes, threads: threads, largestFirst: store == nil, keepLevels: false, topology: { unit in
                topologyBytes += unit.data.count
                if graph == nil, let m = try TopologyCodec.model(from: unit, source: source) {
                    model = m
                    graphSource = "topology unit"
                    buildIndex()
                }
            }, tensor: { t, unitBytes in
                guard model != nil else {
                    throw DecodeError(.missingGraph, "\(source): the bitstream carries no ONNX graph (written without a topology unit, or by NNCodec); decoding it needs the original model")
                }
                guard let slot = index[t.name] else {
                    throw DecodeError(.graphMismatch(tensor: t.name), "\(source): tensor '\(t.name)' is not an initializer or Constant of the given graph")
                }
                var target = slot.tensor
                let count = t.dimensions.reduce(1, *)
                if slot.location.isList {
                    target.dims = [Int64(count)]
                } else {
                    guard count == target.elementCount, target.dims.isEmpty ? t.dimensions == [1] : target.dims.map({ Int($0) }) == t.dimensions else {
                        throw DecodeError(.graphMismatch(tensor: t.name), "\(source): tensor '\(t.name)' has shape \(t.dimensions) in the bitstream but \(target.dims) in the graph")
                    }
                }
                try fill(&target, with: t.values, source: source)
                if let store {
                    try store(&target)
                } else {
                    target.externalData = []
                    target.dataLocation = nil
                }
                model!.setTensor(target, at: slot.location)
                filled.insert(t.name)
                reports.append(DecodedTensorReport(name: t.name, payload: "\(t.payloadType)", dtype: target.dataType.description,
                                                   shape: t.dimensions, parameters: count, bytes: unitBytes, qp: t.qp,
                                                   dependentQuantization: t.dependentQuantization))
                progress?(reports.count, t.name)
            })
        } catch let e as NNRError {
            throw DecodeError(.bitstream(e), "\(source): \(e) (the bitstream is truncated or corrupt)")
        }
        guard let result = model else {
            throw DecodeError(.missingGraph, "\(source): the bitstream carries no ONNX graph and no tensors; decoding it needs the original model")
        }
        // Every coded tensor of a topology graph must have arrived.
        if graphSource == "topology unit" {
            for (name, lt) in index.sorted(by: { $0.key < $1.key }) where lt.tensor.elementCount > 0 && lt.tensor.payloadByteCount == 0 && !filled.contains(name) {
                throw DecodeError("\(source): tensor '\(name)' is missing from the bitstream (it is truncated)")
            }
        }
        let mps = header.modelParameterSet
        let report = DecodeReport(bitstreamBytes: bytes.count, units: header.unitCount, profile: header.profile.map(Int.init),
                                  qpDensity: mps?.qpDensity, modelQp: mps?.quantizationParameter, graphSource: graphSource,
                                  topologyBytes: topologyBytes, tensors: reports)
        return (result, report)
    }

    /// Writes decoded values into `t` in its own dtype.
    static func fill(_ t: inout Tensor, with values: NNRTensorValues, source: String) throws {
        t.clearTypedFields()
        switch values {
        case .float32(let v):
            guard t.dataType.isFloatingPoint else {
                throw DecodeError("\(source): tensor '\(t.name ?? "?")' is \(t.dataType) in the graph but float in the bitstream")
            }
            try t.setFloatValues(v)
        case .int32(let v):
            t.rawData = try integerBytes(v, as: t.dataType, name: t.name ?? "?", source: source)
        }
    }

    static func integerBytes(_ v: [Int32], as type: DataType, name: String, source: String) throws -> TensorBytes {
        func check(_ range: ClosedRange<Int64>) throws {
            if let bad = v.first(where: { !range.contains(Int64($0)) }) {
                throw DecodeError("\(source): tensor '\(name)': value \(bad) does not fit \(type)")
            }
        }
        switch type {
        case .int32: return TensorBytes(elements: v)
        case .int64: return TensorBytes(elements: v.map { Int64($0) })
        case .int8: try check(-128...127); return TensorBytes(elements: v.map { Int8($0) })
        case .uint8: try check(0...255); return TensorBytes(elements: v.map { UInt8($0) })
        case .bool: try check(0...1); return TensorBytes(elements: v.map { UInt8($0) })
        case .int16: try check(-32768...32767); return TensorBytes(elements: v.map { Int16($0) })
        case .uint16: try check(0...65535); return TensorBytes(elements: v.map { UInt16($0) })
        case .uint32: try check(0...Int64(Int32.max)); return TensorBytes(elements: v.map { UInt32($0) })
        case .uint64: try check(0...Int64(Int32.max)); return TensorBytes(elements: v.map { UInt64($0) })
        case .float, .float16, .bfloat16, .double:
            var t = Tensor(name: name, dataType: type, dims: [Int64(v.count)])
            try t.setFloatValues(v.map { Float($0) })
            return t.rawData!
        default:
            throw DecodeError("\(source): tensor '\(name)' has dtype \(type), which an INT payload cannot fill")
        }
    }
}
