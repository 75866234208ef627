/// An ONNX tensor (`TensorProto`) as a Swift value.
///
/// The payload keeps the representation it was read in: `rawData`, or one of the typed
/// lists (`floatData`, `int32Data`, ...). Data stored in an external file is read into
/// `rawData` on load, and `externalData`/`dataLocation` keep where it came from.
public struct Tensor: Sendable, Equatable {
    public struct Segment: Sendable, Equatable {
        public var begin: Int64?
        public var end: Int64?
        public init(begin: Int64?, end: Int64?) {
            self.begin = begin
            self.end = end
        }
    }

    /// `TensorProto.DataLocation`.
    public enum Location: Int32, Sendable, Equatable {
        case `default` = 0
        case external = 1
    }

    public var name: String?
    public var dims: [Int64] = []
    /// `data_type`; nil when the field was absent.
    public var dataTypeField: Int32?
    public var segment: Segment?
    public var floatData: [Float] = []
    public var int32Data: [Int32] = []
    public var stringData: [[UInt8]] = []
    public var int64Data: [Int64] = []
    public var doubleData: [Double] = []
    public var uint64Data: [UInt64] = []
    public var rawData: TensorBytes?
    public var docString: String?
    public var externalData: [StringPair] = []
    public var dataLocation: Location?
    /// A `data_location` value this build does not know.
    public var unknownDataLocation: Int32?
    public var metadataProps: [StringPair] = []
    public var unknownFields: [UnknownField] = []

    public init(name: String? = nil, dataType: DataType, dims: [Int64], rawData: TensorBytes? = nil) {
        self.name = name
        self.dataTypeField = dataType.rawValue
        self.dims = dims
        self.rawData = rawData
    }

    /// A float32 tensor in `raw_data`.
    public init(name: String?, dims: [Int64], floats: [Float]) {
        self.init(name: name, dataType: .float, dims: dims, rawData: TensorBytes(elements: floats))
    }

    public var dataType: DataType {
        get { DataType(rawValue: dataTypeField ?? 0) }
        set { dataTypeField = newValue.rawValue }
    }

    /// Number of elements the dims describe (1 for a scalar). Dims read from a file can
    /// be absurd: a product beyond `Int.max` saturates there (no payload ever matches it).
    public var elementCount: Int {
        var n = 1
        for d in dims {
            let (p, overflow) = n.multipliedReportingOverflow(by: Int(d))
            if overflow { return dims.contains(0) ? 0 : Int.max }
            n = p
        }
        return n
    }

    /// True when the data was (and will be) stored outside the .onnx file.
    public var isExternal: Bool { dataLocation == .external }

    /// Bytes of payload this tensor holds in memory, whatever its representation.
    public var payloadByteCount: Int {
        if let rawData { return rawData.count }
        return floatData.count * 4 + int32Data.count * 4 + int64Data.count * 8
            + doubleData.count * 8 + uint64Data.count * 8 + stringData.reduce(0) { $0 + $1.count }
    }

    /// The value of `external_data` entry `key` ("location", "offset", "length", "checksum").
    public func externalValue(_ key: String) -> String? {
        externalData.first { $0.key == key }?.value
    }
}
