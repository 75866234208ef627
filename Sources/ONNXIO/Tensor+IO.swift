extension Tensor {
    /// Parses a serialized `TensorProto` (the `.pb` files of the ONNX test-data convention).
    public init(serialized bytes: UnsafeRawBufferPointer, source: String = "<memory>") throws(ONNXError) {
        guard bytes.count > 0 else {
            throw ONNXError(.emptyFile, file: source, detail: "file is empty (0 bytes)", hint: "expected a TensorProto")
        }
        guard let t = ProtobufBridge.unpack(bytes, as: .tensor, ProtoDecode.tensor) else {
            let p = WireScan.firstProblem(bytes, message: "TensorProto")
            throw ONNXError(.malformed, file: source, offset: p?.offset,
                            detail: "not a valid TensorProto" + (p.map { ": \($0.detail)" } ?? ""),
                            hint: "the file is truncated or corrupt")
        }
        self = t
    }

    /// Loads a `.pb` TensorProto file.
    public static func load(path: String) throws(ONNXError) -> Tensor {
        let bytes = try FileIO.read(path)
        return try bytes.withUnsafeBytes { (raw) throws(ONNXError) in try Tensor(serialized: raw, source: path) }
    }

    /// The tensor as `TensorProto` bytes.
    public func serialized() -> [UInt8] {
        ProtobufBridge.serialize(.tensor) { ProtoEncode.tensor(self, $0) }
    }
}
