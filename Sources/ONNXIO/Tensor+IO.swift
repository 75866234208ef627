internal import CONNXProto
internal import CProtobufC

extension Tensor {
    /// Parses a serialized `TensorProto` (the `.pb` files of the ONNX test-data convention).
    public init(serialized bytes: UnsafeRawBufferPointer, source: String = "<memory>") throws(ONNXError) {
        guard bytes.count > 0 else {
            throw ONNXError(.emptyFile, file: source, detail: "file is empty (0 bytes)", hint: "expected a TensorProto")
        }
        guard let t = onnx__tensor_proto__unpack(nil, bytes.count, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)) else {
            let p = WireScan.firstProblem(bytes, message: "TensorProto")
            throw ONNXError(.malformed, file: source, offset: p?.offset,
                            detail: "not a valid TensorProto" + (p.map { ": \($0.detail)" } ?? ""),
                            hint: "the file is truncated or corrupt")
        }
        defer { onnx__tensor_proto__free_unpacked(t, nil) }
        self = ProtoDecode.tensor(t)
    }

    /// Loads a `.pb` TensorProto file.
    public static func load(path: String) throws(ONNXError) -> Tensor {
        let bytes = try FileIO.read(path)
        return try bytes.withUnsafeBytes { (raw) throws(ONNXError) in try Tensor(serialized: raw, source: path) }
    }

    /// The tensor as `TensorProto` bytes.
    public func serialized() -> [UInt8] {
        let arena = CArena()
        let t = ProtoEncode.tensor(self, arena)
        let msg = UnsafeRawPointer(t).assumingMemoryBound(to: ProtobufCMessage.self)
        let size = protobuf_c_message_get_packed_size(msg)
        return [UInt8](unsafeUninitializedCapacity: size) { buf, n in
            n = size == 0 ? 0 : protobuf_c_message_pack(msg, buf.baseAddress!)
        }
    }
}
