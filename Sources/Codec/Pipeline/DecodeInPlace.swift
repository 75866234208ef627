import ONNXIO

/// Decoding straight into the output file.
///
/// The size of every decoded payload follows from the unit headers before any tensor is
/// decoded (the graph's dtype × the unit's shape), so the ONNX file can be laid out first:
/// everything but the payloads is written, each payload's place is left as a sparse hole,
/// and each tensor's bytes are written into their place (`pwrite`) on the thread that
/// decoded it, as soon as it is decoded, and then freed. When the last tensor is done the
/// file is complete; its disk writes were started tensor by tensor, so the final fsync has
/// little left. The file is the one `decode` + `save(.inlineAll)` writes, byte for byte.
extension ModelDecoder {
    /// What the unit headers of a stream say, read without decoding any tensor.
    struct StreamListing {
        var topologyUnits: [NNRTopologyUnit] = []
        var tensors: [NNRCompressedDataHeader] = []
        var decodedBytes = 0
        /// False when a topology unit follows a tensor (the graph changes mid-stream).
        var topologyFirst = true

        init<S: NNRByteSource>(_ bytes: S) throws {
            try NNRBitstream.readUnits(bytes, headerOnly: true) { unit, _ in
                switch unit.body {
                case .topology(let t):
                    if !tensors.isEmpty { topologyFirst = false }
                    topologyUnits.append(t)
                case .compressedData(let ndu):
                    tensors.append(ndu.header)
                    decodedBytes += 4 * ndu.header.elementCount
                default:
                    break
                }
            }
        }
    }

    /// The output file laid out before decoding: the model with a placeholder for each coded
    /// tensor's payload, and where each tensor's bytes go.
    struct OutputPlan {
        struct Slot: Sendable {
            /// The tensor as the decoder fills it, without its payload.
            var tensor: Tensor
            var hole: Int
            var bytes: Int
        }
        var model: Model
        var holes: PayloadHoles
        var slots: [String: Slot]
        var graphSource: String
        var topologyBytes: Int
    }

    /// The plan for the stream `listing` describes, or nil when the file cannot be laid out
    /// before decoding (no graph, a tensor the graph does not hold or holds in another shape
    /// or type, a tensor coded twice or missing, a `Constant` list, a graph that changes
    /// mid-stream): `decode(_:to:)` then builds the model in memory, which reports any
    /// error exactly as before.
    static func plan(_ listing: StreamListing, graph: Model?, source: String) -> OutputPlan? {
        guard listing.topologyFirst else { return nil }
        var model = graph
        var graphSource = graph == nil ? "" : "given model"
        var topologyBytes = 0
        for unit in listing.topologyUnits {
            topologyBytes += unit.data.count
            guard graph == nil else { continue }
            let parsed: Model?
            do { parsed = try TopologyCodec.model(from: unit, source: source) } catch { return nil }
            if let parsed {
                model = parsed
                graphSource = "topology unit"
            }
        }
        guard var model else { return nil }
        var index: [String: LocatedTensor] = [:]
        for lt in model.locatedTensors() {
            if let n = lt.tensor.name, index[n] == nil { index[n] = lt }
        }
        var slots: [String: OutputPlan.Slot] = [:]
        var locations: [TensorLocation] = []
        for h in listing.tensors {
            guard slots[h.tensorName] == nil, let lt = index[h.tensorName], !lt.location.isList else { return nil }
            var target = lt.tensor
            let count = h.elementCount
            guard count == target.elementCount, target.dims.isEmpty ? h.dimensions == [1] : target.dims.map({ Int($0) }) == h.dimensions,
                  let bytes = payloadBytes(target.dataType, h.payloadType, count) else { return nil }
            target.clearTypedFields()
            target.rawData = nil
            target.externalData = []
            target.dataLocation = nil
            slots[h.tensorName] = OutputPlan.Slot(tensor: target, hole: locations.count, bytes: bytes)
            locations.append(lt.location)
        }
        if graphSource == "topology unit",
           index.contains(where: { $0.value.tensor.elementCount > 0 && $0.value.tensor.payloadByteCount == 0 && slots[$0.key] == nil }) {
            return nil
        }
        var sizes = [Int](repeating: 0, count: locations.count)
        for slot in slots.values { sizes[slot.hole] = slot.bytes }
        let holes = PayloadHoles(sizes: sizes)
        for slot in slots.values {
            var t = slot.tensor
            t.rawData = holes.placeholder(slot.hole)
            model.setTensor(t, at: locations[slot.hole])
        }
        return OutputPlan(model: model, holes: holes, slots: slots, graphSource: graphSource, topologyBytes: topologyBytes)
    }

    /// Bytes of a payload of `count` elements of `type` decoded from a `payload` unit; nil
    /// when `fill` would refuse the pair.
    private static func payloadBytes(_ type: DataType, _ payload: NNRPayloadType, _ count: Int) -> Int? {
        let integers: [DataType] = [.int32, .int64, .int8, .uint8, .bool, .int16, .uint16, .uint32, .uint64]
        switch payload {
        case .float, .rawFloat: guard type.isFloatingPoint else { return nil }
        case .int: guard type.isFloatingPoint || integers.contains(type) else { return nil }
        case .block: return nil
        }
        return type.rawByteCount(elements: count)
    }

    /// Decodes `bytes` into the file at `path` (atomically) by `plan`.
    static func decode<S: NNRByteSource>(_ bytes: S, source: String, plan: OutputPlan, threads: Int, to path: String,
                                         progress: ((Int, String) -> Void)?) throws -> DecodeReport {
        var reports: [DecodedTensorReport] = []
        var header = NNRBitstream.Header()
        let slots = plan.slots
        try FileIO.writeCapturing(path) { fd in
            let offsets = try plan.model.writeInline(to: fd, file: path, holes: plan.holes)
            if let lost = slots.first(where: { $0.value.bytes > 0 && offsets[$0.value.hole] == nil }) {
                throw DecodeError(.graphMismatch(tensor: lost.key), "\(source): tensor '\(lost.key)' has no place in the output model")
            }
            do {
                header = try NNRBitstream.decode(bytes, threads: threads, largestFirst: true, keepLevels: false, onDecoded: { t in
                    guard let slot = slots[t.name] else { return }
                    if slot.bytes > 0 { try write(t.values, as: slot, at: offsets[slot.hole]!, fd: fd, path: path, source: source) }
                    t.values = .float32([])
                }, tensor: { t, unitBytes in
                    let dtype = slots[t.name]?.tensor.dataType.description ?? "?"
                    reports.append(DecodedTensorReport(name: t.name, payload: "\(t.payloadType)", dtype: dtype, shape: t.dimensions,
                                                       parameters: t.dimensions.reduce(1, *), bytes: unitBytes, qp: t.qp,
                                                       dependentQuantization: t.dependentQuantization))
                    progress?(reports.count, t.name)
                })
            } catch let e as NNRError {
                throw DecodeError(.bitstream(e), "\(source): \(e) (the bitstream is truncated or corrupt)")
            }
        }
        let mps = header.modelParameterSet
        return DecodeReport(bitstreamBytes: bytes.count, units: header.unitCount, profile: header.profile.map(Int.init),
                            qpDensity: mps?.qpDensity, modelQp: mps?.quantizationParameter, graphSource: plan.graphSource,
                            topologyBytes: plan.topologyBytes, tensors: reports)
    }

    /// Writes one decoded tensor's bytes at `offset` (float32 values straight from the
    /// decoder's array; other dtypes converted as `fill` converts them) and starts their
    /// writeback.
    private static func write(_ values: NNRTensorValues, as slot: OutputPlan.Slot, at offset: Int, fd: Int32,
                              path: String, source: String) throws {
        if case .float32(let v) = values, slot.tensor.dataType == .float, 4 * v.count == slot.bytes {
            try v.withUnsafeBytes { raw in try FileIO.writeAll(fd, raw, at: offset, file: path) }
        } else {
            var t = slot.tensor
            try fill(&t, with: values, source: source)
            let raw = t.rawData ?? TensorBytes()
            guard raw.count == slot.bytes else {
                throw DecodeError("\(source): tensor '\(t.name ?? "?")' decoded to \(raw.count) bytes where its graph needs \(slot.bytes)")
            }
            try raw.withUnsafeBytes { p in try FileIO.writeAll(fd, p, at: offset, file: path) }
        }
        FileIO.startWriteback(fd, offset: offset, count: slot.bytes)
    }
}
