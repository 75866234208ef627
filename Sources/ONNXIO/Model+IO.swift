/// How `save` lays out tensor payloads.
public struct SaveOptions: Sendable {
    public enum ExternalData: Sendable, Equatable {
        /// Tensors that were external stay external (in one data file next to the output).
        case keep
        /// Every tensor goes back into the .onnx file.
        case inlineAll
        /// Every tensor whose payload is at least this many bytes goes to the data file.
        case externalize(thresholdBytes: Int)
    }
    public var externalData: ExternalData
    /// Name of the data file, relative to the output's folder; default "<output name>.data".
    public var dataFileName: String?

    public init(externalData: ExternalData = .keep, dataFileName: String? = nil) {
        self.externalData = externalData
        self.dataFileName = dataFileName
    }
}

extension Model {
    /// Parses a serialized `ModelProto`. `source` names the data in error messages.
    public init(serialized bytes: UnsafeRawBufferPointer, source: String = "<memory>") throws(ONNXError) {
        guard bytes.count > 0 else {
            throw ONNXError(.emptyFile, file: source, detail: "file is empty (0 bytes)", hint: "expected an ONNX model")
        }
        if let offset = NestingScan.tooDeep(bytes) {
            throw ONNXError(.malformed, file: source, offset: offset,
                            detail: "messages nest more than \(NestingScan.maxDepth) levels deep (subgraphs or types)",
                            hint: "the file is corrupt or crafted; real models nest a few levels")
        }
        guard let model = ProtobufBridge.unpack(bytes, as: .model, ProtoDecode.model) else {
            if let p = WireScan.firstProblem(bytes) {
                throw ONNXError(.malformed, file: source, offset: p.offset, detail: "not a valid ONNX protobuf: \(p.detail)",
                                hint: "the file is truncated or corrupt; re-export or re-download it")
            }
            throw ONNXError(.malformed, file: source, detail: "not a valid ONNX protobuf (\(bytes.count) bytes could not be parsed)",
                            hint: "the file is corrupt or not an ONNX model")
        }
        guard model.irVersion != nil, model.graph != nil else {
            throw ONNXError(.notAModel, file: source, detail: "parses as protobuf but has no ir_version or graph",
                            hint: "this is not an ONNX model")
        }
        self = model
    }

    public init(serialized bytes: [UInt8], source: String = "<memory>") throws(ONNXError) {
        var result: Result<Model, ONNXError> = .failure(ONNXError(.emptyFile, file: source, detail: "", hint: ""))
        bytes.withUnsafeBytes { raw in
            result = Result { () throws(ONNXError) in try Model(serialized: raw, source: source) }
        }
        self = try result.get()
    }

    /// Loads an .onnx file and the external-data files it names (relative to its folder).
    /// With `mapExternalData`, external tensors are mapped from their files instead of read
    /// (see `FileIO.map`): for models larger than memory. Files over 2 GB are refused, as
    /// protobuf limits a message to 2 GB.
    public static func load(path: String, externalData: Bool = true, mapExternalData: Bool = false) throws(ONNXError) -> Model {
        var model: Model
        if let size = FileIO.size(path), size > Int(Int32.max) {
            throw ONNXError(.malformed, file: path, detail: "is \(size) bytes; an ONNX protobuf file holds at most 2 GB",
                            hint: "save the model with its tensors as external data (onnx.save(..., save_as_external_data=True))")
        }
        do {
            // Mapped when streaming (no 2 GB read buffer: the parse copies the payloads out of
            // the page cache); anything a mapping cannot serve is read, with read's errors.
            var bytes: TensorBytes? = nil
            if mapExternalData, (FileIO.size(path) ?? 0) > 0 { bytes = try? FileIO.map(path, offset: 0, length: nil) }
            if let mapped = bytes, let m = Model(skeletonOf: mapped, source: path) {
                model = m
            } else {
                if bytes == nil { bytes = try FileIO.read(path) }
                model = try bytes!.withUnsafeBytes { (raw) throws(ONNXError) in try Model(serialized: raw, source: path) }
            }
        }
        if externalData {
            try model.loadExternalData(baseDirectory: FileIO.directory(of: path), modelPath: path, map: mapExternalData)
        }
        return model
    }

    /// The model in `mapped` with its large initializer payloads left in the mapping
    /// (`PayloadSkeleton`); nil when that does not apply or the rest does not parse (the
    /// caller then parses the whole file, with the whole file's errors).
    /// (`minimumBytes`: the smallest payload left in the mapping; smaller for fuzzing.)
    package init?(skeletonOf mapped: TensorBytes, source: String, minimumBytes: Int = PayloadSkeleton.minimumBytes) {
        guard let (skeleton, cuts) = mapped.withUnsafeBytes({ PayloadSkeleton.strip($0, minimumBytes: minimumBytes) }),
              var m = try? Model(serialized: skeleton, source: source), m.graph != nil else { return nil }
        for cut in cuts {
            guard m.graph!.initializers.indices.contains(cut.initializer) else { return nil }
            m.graph!.initializers[cut.initializer].rawData = mapped.slice(cut.range)
        }
        self = m
    }

    /// Reads the payload of every external tensor into `rawData`, keeping `externalData`
    /// and `dataLocation` as the record of where it came from.
    public mutating func loadExternalData(baseDirectory: String, modelPath: String, map: Bool = false) throws(ONNXError) {
        try forEachTensor { (t: inout Tensor) throws(ONNXError) in
            guard t.isExternal else { return }
            let name = t.name ?? "?"
            guard let location = t.externalValue("location"), !location.isEmpty else {
                throw ONNXError(.externalData, file: modelPath, tensor: name, detail: "external tensor has no 'location'",
                                hint: "the model is corrupt")
            }
            if location.hasPrefix("/") || location.split(separator: "/").contains("..") {
                throw ONNXError(.externalData, file: modelPath, tensor: name,
                                detail: "external data location '\(location)' points outside the model's folder",
                                hint: "move the data file next to the model and fix the location")
            }
            func number(_ key: String) throws(ONNXError) -> Int? {
                guard let v = t.externalValue(key) else { return nil }
                guard let n = Int(v), n >= 0 else {
                    throw ONNXError(.externalData, file: modelPath, tensor: name, detail: "external data '\(key)' is not a number: '\(v)'",
                                    hint: "the model is corrupt")
                }
                return n
            }
            let offset = try number("offset") ?? 0
            let length = try number("length")
            let dataPath = baseDirectory + "/" + location
            guard FileIO.exists(dataPath) else {
                throw ONNXError(.externalData, file: dataPath, tensor: name, detail: "external data file is missing",
                                hint: "copy '\(location)' next to \(FileIO.fileName(of: modelPath))")
            }
            let bytes = try map ? FileIO.map(dataPath, offset: offset, length: length)
                                : FileIO.read(dataPath, offset: offset, length: length)
            if let want = t.dataType.rawByteCount(elements: t.elementCount), want != bytes.count {
                throw ONNXError(.externalData, file: dataPath, offset: offset, tensor: name,
                                detail: "holds \(bytes.count) bytes but \(t.dataType) \(t.dims) needs \(want)",
                                hint: "the data file belongs to another version of the model")
            }
            t.rawData = bytes
        }
    }

    /// The model as protobuf bytes. Tensors keep their in-memory payloads (external
    /// tensors are written inline but keep their external-data record; use `save` to lay
    /// out data files).
    public func serialized() -> [UInt8] {
        ProtobufBridge.serialize(.model) { ProtoEncode.model(self, $0) }
    }

    /// Writes the model to `path` (atomically), and its external data next to it.
    ///
    /// Returns the path of the data file written, if any.
    @discardableResult
    public func save(to path: String, options: SaveOptions = SaveOptions()) throws(ONNXError) -> String? {
        var out = self
        let dataName = options.dataFileName ?? FileIO.fileName(of: path) + ".data"
        let dataPath = FileIO.directory(of: path) + "/" + dataName
        var pieces: [TensorBytes] = []
        var offset = 0
        out.forEachTensor { (t: inout Tensor) in
            let external: Bool
            switch options.externalData {
            case .keep: external = t.isExternal
            case .inlineAll: external = false
            case .externalize(let threshold):
                external = t.isExternal || (t.rawData.map { $0.count >= threshold } ?? false)
            }
            if external, t.rawData == nil {
                // A typed-field tensor moving out: convert its payload to raw bytes first.
                if let raw = t.typedPayloadAsRaw() { t.clearTypedFields(); t.rawData = raw }
            }
            if external, let raw = t.rawData {
                let checksum = t.externalValue("checksum")
                t.externalData = [StringPair(key: "location", value: dataName),
                                  StringPair(key: "offset", value: String(offset)),
                                  StringPair(key: "length", value: String(raw.count))]
                if let checksum { t.externalData.append(StringPair(key: "checksum", value: checksum)) }
                t.dataLocation = .external
                t.rawData = nil
                pieces.append(raw)
                offset += raw.count
            } else if t.isExternal && !(options.externalData == .keep && t.rawData == nil && t.typedPayloadAsRaw() == nil) {
                // (A `.keep` tensor without payload was written to its data file already.)
                t.externalData = []
                t.dataLocation = nil
            }
        }
        if !pieces.isEmpty {
            try FileIO.writeAtomically(dataPath) { (fd) throws(ONNXError) in
                for p in pieces {
                    try p.withUnsafeBytes { (raw) throws(ONNXError) in try FileIO.writeAll(fd, raw, file: dataPath) }
                }
            }
        }
        try FileIO.writeAtomically(path) { (fd) throws(ONNXError) in
            guard ProtobufBridge.write(.model, to: fd, { ProtoEncode.model(out, $0) }) != nil else {
                throw ONNXError(.writeFailed, file: path, detail: "write failed", hint: "is the disk full?")
            }
        }
        return pieces.isEmpty ? nil : dataPath
    }

    /// Calls `body` on every tensor of the model: initializers, sparse initializers,
    /// tensor attributes (Constant values), and all of these inside subgraphs, functions
    /// and training graphs.
    public mutating func forEachTensor<E: Error>(_ body: (inout Tensor) throws(E) -> Void) throws(E) {
        if graph != nil { try graph!.forEachTensor(body) }
        for i in trainingInfo.indices {
            if trainingInfo[i].initialization != nil { try trainingInfo[i].initialization!.forEachTensor(body) }
            if trainingInfo[i].algorithm != nil { try trainingInfo[i].algorithm!.forEachTensor(body) }
        }
        for f in functions.indices {
            for n in functions[f].nodes.indices { try functions[f].nodes[n].forEachTensor(body) }
        }
    }
}

extension Graph {
    public mutating func forEachTensor<E: Error>(_ body: (inout Tensor) throws(E) -> Void) throws(E) {
        for i in initializers.indices { try body(&initializers[i]) }
        for i in sparseInitializers.indices {
            if sparseInitializers[i].values != nil { try body(&sparseInitializers[i].values!) }
            if sparseInitializers[i].indices != nil { try body(&sparseInitializers[i].indices!) }
        }
        for n in nodes.indices { try nodes[n].forEachTensor(body) }
    }
}

extension Node {
    public mutating func forEachTensor<E: Error>(_ body: (inout Tensor) throws(E) -> Void) throws(E) {
        for a in attributes.indices {
            if attributes[a].t != nil { try body(&attributes[a].t!) }
            for k in attributes[a].tensors.indices { try body(&attributes[a].tensors[k]) }
            if attributes[a].g != nil { try attributes[a].g!.forEachTensor(body) }
            for k in attributes[a].graphs.indices { try attributes[a].graphs[k].forEachTensor(body) }
            if attributes[a].sparseTensor != nil {
                if attributes[a].sparseTensor!.values != nil { try body(&attributes[a].sparseTensor!.values!) }
                if attributes[a].sparseTensor!.indices != nil { try body(&attributes[a].sparseTensor!.indices!) }
            }
        }
    }
}

extension Model {
    /// The model with every external tensor moved inline (payloads shared, not copied).
    public func inlined() -> Model {
        var m = self
        m.forEachTensor { t in
            if t.isExternal {
                t.externalData = []
                t.dataLocation = nil
            }
        }
        return m
    }
}
