import ONNXIO

/// Tensors of every dtype made from one list of floats, shared by the dtype round-trip tests.
enum DTypeFixture {
    /// 24 values from −4 to 4.51 in steps of 0.37.
    static let values: [Float] = (0..<24).map { Float($0) * 0.37 - 4 }

    /// A tensor of `type` holding `floats` (converted as the type stores them).
    static func tensor(_ name: String, _ type: DataType, _ dims: [Int64], _ floats: [Float]) throws -> Tensor {
        var x = Tensor(name: name, dataType: type, dims: dims)
        try x.setFloatValues(floats)
        return x
    }
}
