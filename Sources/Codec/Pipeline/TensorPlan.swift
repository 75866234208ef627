import ONNXIO

/// How one initializer travels in the bitstream.
public enum TensorRole: String, Sendable, Codable {
    /// Float tensor of 2+ dimensions, quantized at the weight qp.
    case weight
    /// 1-D or scalar float tensor, quantized at the finer non-weight qp.
    case nonWeight
    /// 1-D float32 tensor stored exactly (RAW_FLOAT), with `losslessNonWeights`.
    case rawFloat
    /// Integer or bool tensor whose values fit in int32, coded losslessly (INT payload).
    case integer
    /// Anything else (strings, 64-bit integers beyond int32, 8/4-bit floats, empty
    /// tensors, exact non-float32 non-weights): kept verbatim in the topology unit.
    case kept
}

enum TensorPlan {
    static let integerTypes: Set<DataType> = [.int8, .uint8, .int16, .uint16, .int32, .uint32, .int64, .uint64, .bool]

    /// The role of `t`; `values` returns int32 values for integer tensors that fit.
    static func role(of t: Tensor, options: EncodeOptions) -> TensorRole {
        guard t.elementCount > 0, t.name.map({ !$0.isEmpty }) == true, t.dims.allSatisfy({ $0 >= 0 }) else { return .kept }
        if t.dataType.isFloatingPoint {
            if t.dims.count >= 2 { return .weight }
            if options.losslessNonWeights { return t.dataType == .float ? .rawFloat : .kept }
            return .nonWeight
        }
        if integerTypes.contains(t.dataType) {
            guard let v = try? t.int64Values() else { return .kept }
            return v.allSatisfy({ $0 >= Int64(Int32.min) && $0 <= Int64(Int32.max) }) ? .integer : .kept
        }
        return .kept
    }
}
