import CABAC

/// What `nncodec info` reports about a bitstream: units, and per tensor its payload,
/// shape, bytes, bits per parameter and qp.
public struct StreamSummary: Sendable, Codable, Equatable {
    public struct TensorEntry: Sendable, Codable, Equatable {
        public var name: String
        public var payload: String
        public var shape: [Int]
        public var parameters: Int
        public var bytes: Int
        public var bitsPerParameter: Double
        public var qp: Int?
        public var stepSize: Float?
        public var dependentQuantization: Bool
    }

    public var bytes: Int
    public var units: Int
    public var profile: Int?
    public var qpDensity: Int?
    public var modelQp: Int?
    /// "onnx" when the stream carries its ONNX graph, "none" for NNCodec's empty topology.
    public var topology: String
    public var topologyBytes: Int
    public var parameters: Int
    public var tensors: [TensorEntry]

    public var bitsPerParameter: Double { parameters == 0 ? 0 : Double(bytes * 8) / Double(parameters) }

    /// Reads the units of `stream` (named `source` in errors). Sizes, shapes and qps come
    /// from the unit headers and the first bins of each payload; the levels are not decoded
    /// and no payload is read beyond its first 8 bytes, so a stream whose entropy-coded data
    /// is corrupt still summarizes (`decode` finds it), and a file source reads little more
    /// than the headers.
    public init<S: NNRByteSource>(_ stream: S, source: String) throws {
        var entries: [TensorEntry] = []
        var topologyBytes = 0
        var carries = false
        let header: NNRBitstream.Header
        do {
            header = try NNRBitstream.readUnits(stream, headerOnly: true) { unit, mps in
                switch unit.body {
                case .topology(let t):
                    topologyBytes += t.data.count
                    if t.storageFormat == NNRTopologyStorageFormat.onnx { carries = true }
                case .compressedData(let ndu):
                    let h = ndu.header
                    let n = h.elementCount
                    let qp = try h.payloadType == .float ? NNRBitstream.tensorQp(unit, in: stream, mps: mps) : nil
                    entries.append(TensorEntry(name: h.tensorName, payload: "\(h.payloadType)", shape: h.dimensions, parameters: n,
                                               bytes: unit.size, bitsPerParameter: Double(unit.size * 8) / Double(max(n, 1)),
                                               qp: qp, stepSize: qp.map { NNRQuantization.stepSize(qp: $0, qpDensity: mps.qpDensity) },
                                               dependentQuantization: h.payloadType == .float && h.dqFlag))
                default:
                    break
                }
            }
        } catch let e as NNRError {
            throw DecodeError("\(source): \(e) (the bitstream is truncated or corrupt)")
        }
        bytes = stream.count
        units = header.unitCount
        profile = header.profile.map(Int.init)
        qpDensity = header.modelParameterSet?.qpDensity
        modelQp = header.modelParameterSet?.quantizationParameter
        topology = carries ? "onnx" : "none"
        self.topologyBytes = topologyBytes
        tensors = entries
        parameters = entries.reduce(0) { $0 + $1.parameters }
    }
}
