/// `nnr_unit_type`.
public enum NNRUnitType: UInt8, Sendable, Equatable, CaseIterable {
    case start = 0                // NNR_STR
    case modelParameterSet = 1    // NNR_MPS
    case layerParameterSet = 2    // NNR_LPS
    case topology = 3             // NNR_TPL
    case quantization = 4         // NNR_QNT
    case compressedData = 5       // NNR_NDU
    case aggregate = 6            // NNR_AGG
}

/// The common header of every unit (after the size field).
public struct NNRUnitHeader: Sendable, Equatable {
    public var type: NNRUnitType
    public var independentlyDecodable: Bool
    /// `partial_data_counter`, when `partial_data_counter_present_flag` is set.
    public var partialDataCounter: UInt8?

    public init(type: NNRUnitType, independentlyDecodable: Bool = true, partialDataCounter: UInt8? = nil) {
        self.type = type
        self.independentlyDecodable = independentlyDecodable
        self.partialDataCounter = partialDataCounter
    }
}

/// The model parameter set (MPS) payload, as far as NNCodec 2.1.3 writes it. Performance
/// maps (sparsification, pruning, unification, decomposition) are not supported.
public struct NNRModelParameterSet: Sendable, Equatable {
    public var topologyCarriage: Bool = true
    public var quantizationMethodFlags: UInt8 = 1   // NNR_QSU
    public var topologyIndexedReference: Bool = false
    // Present with general_profile_idc == 1:
    public var baseModelId: String? = nil
    public var validationSetPerformancePresent: Bool = false
    public var metricTypePerformanceMapValid: Bool = false
    public var parentSignallingEnabled: Bool = false
    public var preFlag: Bool = false
    public var performanceMetricType: String? = nil
    public var validationSetPerformance: Float? = nil
    /// `mps_qp_density` and `mps_quantization_parameter`, present when the quantization
    /// method flags include QSU or QCB.
    public var qpDensity: Int = 2
    public var quantizationParameter: Int = 0

    public init() {}

    /// Whether `qpDensity`/`quantizationParameter` are coded.
    public var hasQuantizationParameters: Bool { quantizationMethodFlags & 3 != 0 }

    /// The qps a compressed-data unit can carry: its qp is a signed (6 + d)-bit offset
    /// from the model qp.
    public var signallableQps: ClosedRange<Int> {
        let half = 1 << (5 + qpDensity)
        return (quantizationParameter - half)...(quantizationParameter + half - 1)
    }
}

/// `topology_storage_format` values.
public enum NNRTopologyStorageFormat {
    public static let unrecognised: UInt8 = 0
    public static let nnef: UInt8 = 1
    public static let onnx: UInt8 = 2
    public static let pytorch: UInt8 = 3
    public static let tensorflow: UInt8 = 4
    public static let pruning: UInt8 = 5
    public static let referenceList: UInt8 = 6
}

/// A topology unit. For storage formats other than ONNX the payload is a zero-terminated
/// string (`data` holds its bytes without the terminator; NNCodec writes it empty); for
/// ONNX `data` is the whole payload.
public struct NNRTopologyUnit: Sendable, Equatable {
    public var storageFormat: UInt8
    public var compressionFormat: UInt8
    public var data: [UInt8]

    public init(storageFormat: UInt8 = NNRTopologyStorageFormat.unrecognised, compressionFormat: UInt8 = 0, data: [UInt8] = []) {
        self.storageFormat = storageFormat
        self.compressionFormat = compressionFormat
        self.data = data
    }

    /// NNCodec's own topology unit: format "unrecognised", raw, empty string.
    public static let nnCodecDefault = NNRTopologyUnit()
}

/// `nnr_compressed_data_unit_payload_type`.
public enum NNRPayloadType: UInt8, Sendable, Equatable {
    case int = 0
    case float = 1
    case rawFloat = 2
    case block = 3
}

/// The header of a compressed-data unit (NDU) for one tensor.
public struct NNRCompressedDataHeader: Sendable, Equatable {
    public var payloadType: NNRPayloadType
    /// `topology_elem_id` (the tensor name).
    public var tensorName: String
    /// `nnr_decompressed_data_format`, when present.
    public var decompressedDataFormat: UInt8? = nil
    public var inputParametersPresent: Bool = true
    /// Profile 1: (device_id, parameter_id, put_node_depth) when `node_id_present_flag`.
    public var nodeId: NodeId? = NodeId(deviceId: 0, parameterId: 0, putNodeDepth: 0)
    public var dqFlag: Bool = false
    public var compressedParameterTypes: UInt8 = 0
    public var dimensions: [Int]
    /// `cabac_unary_length_minus1` (NNCodec's decoder assumes 9 when absent).
    public var cabacUnaryLengthMinus1: Int = 10
    public var firstTensorDimensionShift: Int = 0
    public var scanOrder: Int = 0
    /// `cabac_entry_point_list` in NNCodec's packed form (bit offset << 11 | value << 3 | DQ state).
    public var entryPoints: [UInt64] = []

    public struct NodeId: Sendable, Equatable {
        public var deviceId: Int
        public var parameterId: Int
        public var putNodeDepth: Int
        public init(deviceId: Int, parameterId: Int, putNodeDepth: Int) {
            self.deviceId = deviceId
            self.parameterId = parameterId
            self.putNodeDepth = putNodeDepth
        }
    }

    public init(payloadType: NNRPayloadType, tensorName: String, dimensions: [Int]) {
        self.payloadType = payloadType
        self.tensorName = tensorName
        self.dimensions = dimensions
    }

    /// Number of elements (product of the dimensions).
    public var elementCount: Int { dimensions.reduce(1, *) }
    /// Product of all dimensions but the first (1 for 1-D).
    public var rowWidth: Int { dimensions.dropFirst().reduce(1, *) }
}

/// A compressed-data unit: header and its (entropy-coded or raw) payload bytes.
public struct NNRCompressedDataUnit: Sendable, Equatable {
    public var header: NNRCompressedDataHeader
    public var payload: [UInt8]

    public init(header: NNRCompressedDataHeader, payload: [UInt8]) {
        self.header = header
        self.payload = payload
    }
}

/// One NNR unit.
public struct NNRUnit: Sendable, Equatable {
    public enum Body: Sendable, Equatable {
        case start(profile: UInt8)
        case modelParameterSet(NNRModelParameterSet)
        case topology(NNRTopologyUnit)
        case compressedData(NNRCompressedDataUnit)
    }

    public var header: NNRUnitHeader
    public var body: Body
    /// Offset of the unit (its size field) in the stream it was read from.
    public var byteOffset: Int = 0
    /// Total size of the unit in bytes, size field included, as read.
    public var size: Int = 0
    /// Where a compressed-data unit's payload begins in the stream, as read (it ends with
    /// the unit); 0 for other units.
    public var payloadOffset: Int = 0

    public init(header: NNRUnitHeader, body: Body) {
        self.header = header
        self.body = body
    }
}
