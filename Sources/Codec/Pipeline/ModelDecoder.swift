import CABAC
import ONNXIO

/// A failure of the decoder, phrased for the person running it.
public struct DecodeError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ d: String) { description = d }
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
    public static func decode(_ bytes: [UInt8], source: String, graph: Model? = nil, threads: Int = ParallelWork.defaultThreads,
                              progress: ((Int, String) -> Void)? = nil) throws -> (model: Model, report: DecodeReport) {
        try decode(bytes, source: source, graph: graph, threads: threads, progress: progress, store: nil)
    }

    /// `decode`, with `store` called on each tensor as soon as it is filled (in stream order,
    /// one at a time); a `store` that moves the payload out (to a data file) keeps memory
    /// bounded, and the tensor's external-data record is then left as `store` set it.
    static func decode(_ bytes: [UInt8], source: String, graph: Model?, threads: Int, progress: ((Int, String) -> Void)?,
                       store: ((inout Tensor) throws -> Void)?) throws -> (model: Model, report: DecodeReport) {
        var model = graph
        var graphSource = graph == nil ? "" : "--graph"
        var index: [String: Int] = [:]
        var filled = Set<String>()
        var reports: [DecodedTensorReport] = []
        var topologyBytes = 0
        func buildIndex() {
            index = [:]
            for (i, t) in (model?.graph?.initializers ?? []).enumerated() { if let n = t.name { index[n] = i } }
        }
        buildIndex()
        let header: NNRBitstream.Header
        do {
            header = try NNRBitstream.decode(bytes, threads: threads, topology: { unit in
                topologyBytes += unit.data.count
                if graph == nil, let m = try TopologyCodec.model(from: unit, source: source) {
                    model = m
                    graphSource = "topology unit"
                    buildIndex()
                }
            }, tensor: { t, unitBytes in
                guard model != nil else {
                    throw DecodeError("\(source): the bitstream carries no ONNX graph (written with --no-topology or by NNCodec); pass --graph MODEL.onnx with the original model")
                }
                guard let i = index[t.name] else {
                    throw DecodeError("\(source): tensor '\(t.name)' is not an initializer of the graph (is --graph the right model?)")
                }
                var target = model!.graph!.initializers[i]
                let count = t.dimensions.reduce(1, *)
                guard count == target.elementCount, target.dims.isEmpty ? t.dimensions == [1] : target.dims.map({ Int($0) }) == t.dimensions else {
                    throw DecodeError("\(source): tensor '\(t.name)' has shape \(t.dimensions) in the bitstream but \(target.dims) in the graph")
                }
                try fill(&target, with: t.values, source: source)
                try store?(&target)
                model!.graph!.initializers[i] = target
                filled.insert(t.name)
                reports.append(DecodedTensorReport(name: t.name, payload: "\(t.payloadType)", dtype: target.dataType.description,
                                                   shape: t.dimensions, parameters: count, bytes: unitBytes, qp: t.qp,
                                                   dependentQuantization: t.dependentQuantization))
                progress?(reports.count, t.name)
            })
        } catch let e as NNRError {
            throw DecodeError("\(source): \(e) (the bitstream is truncated or corrupt)")
        }
        guard var result = model else {
            throw DecodeError("\(source): the bitstream carries no ONNX graph and no tensors; pass --graph MODEL.onnx")
        }
        // Every coded initializer of a topology graph must have arrived.
        if graphSource == "topology unit" {
            for t in result.graph?.initializers ?? [] where t.elementCount > 0 && t.payloadByteCount == 0 && !filled.contains(t.name ?? "") {
                throw DecodeError("\(source): tensor '\(t.name ?? "?")' is missing from the bitstream (it is truncated)")
            }
        }
        if store == nil { result.graph?.initializers.indices.forEach { i in
            if filled.contains(result.graph!.initializers[i].name ?? "") {
                result.graph!.initializers[i].externalData = []
                result.graph!.initializers[i].dataLocation = nil
            }
        } }
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
