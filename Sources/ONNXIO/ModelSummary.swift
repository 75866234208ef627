/// What `nncodec info` reports about a model: opsets, inputs and outputs, operators,
/// parameters by dtype, and the largest tensors.
public struct ModelSummary: Codable, Sendable, Equatable {
    public struct IO: Codable, Sendable, Equatable {
        public var name: String
        public var dtype: String
        public var shape: [String]
    }
    public struct DTypeTotal: Codable, Sendable, Equatable {
        public var dtype: String
        public var tensors: Int
        public var parameters: Int
        public var bytes: Int
    }
    public struct TensorEntry: Codable, Sendable, Equatable {
        public var name: String
        public var dtype: String
        public var shape: [Int64]
        public var parameters: Int
        public var bytes: Int
        public var external: Bool
    }

    public var irVersion: Int64?
    public var opsets: [String: Int64]
    public var producer: String?
    public var inputs: [IO]
    public var outputs: [IO]
    public var nodeCount: Int
    public var opCounts: [String: Int]
    public var parameters: Int
    public var parameterBytes: Int
    public var byDType: [DTypeTotal]
    public var largest: [TensorEntry]
    public var externalTensors: Int

    public init(_ model: Model, largest top: Int = 10) {
        irVersion = model.irVersion
        var opsets: [String: Int64] = [:]
        for o in model.opsetImports { opsets[(o.domain ?? "").isEmpty ? "ai.onnx" : o.domain!] = o.version ?? 0 }
        self.opsets = opsets
        producer = [model.producerName, model.producerVersion].compactMap { $0 }.joined(separator: " ")
        let graph = model.graph ?? Graph()
        let initNames = Set(graph.initializers.compactMap(\.name))
        func io(_ v: ValueInfo) -> IO {
            let t = v.type?.tensorType
            return IO(name: v.name ?? "", dtype: t?.elemType?.description ?? "?",
                      shape: t?.shape?.dims.map(\.description) ?? ["?"])
        }
        inputs = graph.inputs.filter { !initNames.contains($0.name ?? "") }.map(io)
        outputs = graph.outputs.map(io)
        nodeCount = graph.nodes.count
        var ops: [String: Int] = [:]
        for n in graph.nodes { ops[n.opType ?? "?", default: 0] += 1 }
        opCounts = ops
        var totals: [String: DTypeTotal] = [:]
        var entries: [TensorEntry] = []
        var ext = 0
        // Initializers, Constant values and subgraph tensors alike.
        for t in model.locatedTensors().map(\.tensor) {
            let n = t.elementCount
            let b = t.payloadByteCount
            totals[t.dataType.description, default: DTypeTotal(dtype: t.dataType.description, tensors: 0, parameters: 0, bytes: 0)].tensors += 1
            totals[t.dataType.description]!.parameters += n
            totals[t.dataType.description]!.bytes += b
            if t.isExternal { ext += 1 }
            entries.append(TensorEntry(name: t.name ?? "", dtype: t.dataType.description, shape: t.dims,
                                       parameters: n, bytes: b, external: t.isExternal))
        }
        byDType = totals.values.sorted { $0.bytes > $1.bytes }
        parameters = byDType.reduce(0) { $0 + $1.parameters }
        parameterBytes = byDType.reduce(0) { $0 + $1.bytes }
        largest = Array(entries.sorted { ($0.bytes, $1.name) > ($1.bytes, $0.name) }.prefix(top))
        externalTensors = ext
    }
}
