import ONNXIO

/// The topology unit that carries the ONNX graph: the model with the data of coded tensors
/// removed, serialized as ONNX protobuf (storage format ONNX = 2) and compressed with raw
/// DEFLATE (compression format 1) when that is smaller, else stored (format 0).
public enum TopologyCodec {
    public static let deflate: UInt8 = 1

    public static func unit(for model: Model) throws -> NNRTopologyUnit {
        let raw = model.serialized()
        let packed = try Deflate.compress(raw)
        if packed.count < raw.count {
            return NNRTopologyUnit(storageFormat: NNRTopologyStorageFormat.onnx, compressionFormat: deflate, data: packed)
        }
        return NNRTopologyUnit(storageFormat: NNRTopologyStorageFormat.onnx, compressionFormat: 0, data: raw)
    }

    /// The model in an ONNX topology unit, or nil for any other storage format.
    public static func model(from unit: NNRTopologyUnit, source: String) throws -> Model? {
        guard unit.storageFormat == NNRTopologyStorageFormat.onnx else { return nil }
        let raw: [UInt8]
        switch unit.compressionFormat {
        case 0: raw = unit.data
        case deflate:
            do { raw = try Deflate.decompress(unit.data, limit: 1 << 30) } catch {
                throw DecodeError("\(source): topology unit: \(error) (the bitstream is corrupt)")
            }
        default:
            throw DecodeError("\(source): topology unit uses compression format \(unit.compressionFormat), which nncodec does not know")
        }
        do { return try Model(serialized: raw, source: source + " (topology unit)") } catch {
            throw DecodeError(.topology(error), "\(error)")
        }
    }
}
