/// An ONNX model (`ModelProto`) as a Swift value.
///
/// Every field of ONNX 1.17's `onnx.proto` has a home here, and optional proto2 fields are
/// Swift optionals, so a field that was absent stays absent after a load and save.
public struct Model: Sendable, Equatable {
    public var irVersion: Int64?
    public var opsetImports: [OperatorSetID] = []
    public var producerName: String?
    public var producerVersion: String?
    public var domain: String?
    public var modelVersion: Int64?
    public var docString: String?
    public var graph: Graph?
    public var metadataProps: [StringPair] = []
    public var trainingInfo: [TrainingInfo] = []
    public var functions: [Function] = []
    /// Fields this build does not know, kept as their wire bytes.
    public var unknownFields: [UnknownField] = []

    public init(irVersion: Int64? = nil, opsetImports: [OperatorSetID] = [], graph: Graph? = nil) {
        self.irVersion = irVersion
        self.opsetImports = opsetImports
        self.graph = graph
    }

    /// The version of the default ("" or "ai.onnx") operator set, if imported.
    public var defaultOpsetVersion: Int64? {
        opsetImports.first { ($0.domain ?? "").isEmpty || $0.domain == "ai.onnx" }?.version
    }
}

public struct OperatorSetID: Sendable, Equatable {
    public var domain: String?
    public var version: Int64?
    public init(domain: String? = nil, version: Int64? = nil) {
        self.domain = domain
        self.version = version
    }
}

public struct StringPair: Sendable, Equatable {
    public var key: String?
    public var value: String?
    public init(key: String?, value: String?) {
        self.key = key
        self.value = value
    }
}

/// A field the schema does not name, kept verbatim: its tag, wire type, and the bytes that
/// follow the key on the wire (for length-delimited fields, the length varint and payload).
public struct UnknownField: Sendable, Equatable {
    public var tag: UInt32
    public var wireType: UInt32
    public var data: [UInt8]
}

public struct Graph: Sendable, Equatable {
    public var name: String?
    public var nodes: [Node] = []
    public var initializers: [Tensor] = []
    public var sparseInitializers: [SparseTensor] = []
    public var docString: String?
    public var inputs: [ValueInfo] = []
    public var outputs: [ValueInfo] = []
    public var valueInfo: [ValueInfo] = []
    public var quantizationAnnotations: [TensorAnnotation] = []
    public var metadataProps: [StringPair] = []
    public var unknownFields: [UnknownField] = []

    public init(name: String? = nil) { self.name = name }

    /// The initializer called `name`, if any.
    public func initializer(named name: String) -> Tensor? {
        initializers.first { $0.name == name }
    }
}

public struct Node: Sendable, Equatable {
    public var inputs: [String] = []
    public var outputs: [String] = []
    public var name: String?
    public var opType: String?
    public var domain: String?
    public var overload: String?
    public var attributes: [Attribute] = []
    public var docString: String?
    public var metadataProps: [StringPair] = []
    public var unknownFields: [UnknownField] = []

    public init(opType: String? = nil, inputs: [String] = [], outputs: [String] = [], name: String? = nil) {
        self.opType = opType
        self.inputs = inputs
        self.outputs = outputs
        self.name = name
    }

    /// The attribute called `name`, if any.
    public func attribute(_ name: String) -> Attribute? {
        attributes.first { $0.name == name }
    }
}

public struct Attribute: Sendable, Equatable {
    /// `AttributeProto.AttributeType`.
    public struct Kind: RawRepresentable, Hashable, Sendable {
        public var rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        public static let undefined = Kind(rawValue: 0)
        public static let float = Kind(rawValue: 1)
        public static let int = Kind(rawValue: 2)
        public static let string = Kind(rawValue: 3)
        public static let tensor = Kind(rawValue: 4)
        public static let graph = Kind(rawValue: 5)
        public static let sparseTensor = Kind(rawValue: 11)
        public static let typeProto = Kind(rawValue: 13)
        public static let floats = Kind(rawValue: 6)
        public static let ints = Kind(rawValue: 7)
        public static let strings = Kind(rawValue: 8)
        public static let tensors = Kind(rawValue: 9)
        public static let graphs = Kind(rawValue: 10)
        public static let sparseTensors = Kind(rawValue: 12)
        public static let typeProtos = Kind(rawValue: 14)
    }

    public var name: String?
    public var refAttrName: String?
    public var docString: String?
    public var type: Kind?
    public var f: Float?
    public var i: Int64?
    public var s: [UInt8]?
    public var t: Tensor?
    public var g: Graph?
    public var sparseTensor: SparseTensor?
    public var tp: TypeProto?
    public var floats: [Float] = []
    public var ints: [Int64] = []
    public var strings: [[UInt8]] = []
    public var tensors: [Tensor] = []
    public var graphs: [Graph] = []
    public var sparseTensors: [SparseTensor] = []
    public var typeProtos: [TypeProto] = []
    public var unknownFields: [UnknownField] = []

    public init(name: String? = nil, type: Kind? = nil) {
        self.name = name
        self.type = type
    }

    public static func int(_ name: String, _ v: Int64) -> Attribute {
        var a = Attribute(name: name, type: .int); a.i = v; return a
    }
    public static func float(_ name: String, _ v: Float) -> Attribute {
        var a = Attribute(name: name, type: .float); a.f = v; return a
    }
    public static func ints(_ name: String, _ v: [Int64]) -> Attribute {
        var a = Attribute(name: name, type: .ints); a.ints = v; return a
    }
    public static func string(_ name: String, _ v: String) -> Attribute {
        var a = Attribute(name: name, type: .string); a.s = Array(v.utf8); return a
    }
    public static func tensor(_ name: String, _ v: Tensor) -> Attribute {
        var a = Attribute(name: name, type: .tensor); a.t = v; return a
    }

    /// `s` decoded as UTF-8.
    public var stringValue: String? { s.map { String(decoding: $0, as: UTF8.self) } }
}

public struct ValueInfo: Sendable, Equatable {
    public var name: String?
    public var type: TypeProto?
    public var docString: String?
    public var metadataProps: [StringPair] = []
    public var unknownFields: [UnknownField] = []

    public init(name: String? = nil, type: TypeProto? = nil) {
        self.name = name
        self.type = type
    }
}

/// `TypeProto`: the type of a value (tensor, sequence, map, optional, sparse tensor).
public struct TypeProto: Sendable, Equatable {
    public indirect enum Value: Sendable, Equatable {
        case tensor(elemType: Int32?, shape: TensorShape?)
        case sequence(elemType: TypeProto?)
        case map(keyType: Int32?, valueType: TypeProto?)
        case optional(elemType: TypeProto?)
        case sparseTensor(elemType: Int32?, shape: TensorShape?)
    }
    public var value: Value?
    public var denotation: String?

    public init(value: Value? = nil, denotation: String? = nil) {
        self.value = value
        self.denotation = denotation
    }

    /// A tensor type with the given element type and dimensions (nil dims: unknown rank).
    public static func tensor(_ type: DataType, _ dims: [TensorShape.Dimension]?) -> TypeProto {
        TypeProto(value: .tensor(elemType: type.rawValue, shape: dims.map { TensorShape(dims: $0) }))
    }

    /// Element type and shape if this is a tensor type.
    public var tensorType: (elemType: DataType?, shape: TensorShape?)? {
        if case let .tensor(e, s)? = value { return (e.map(DataType.init(rawValue:)), s) }
        return nil
    }
}

public struct TensorShape: Sendable, Equatable {
    public struct Dimension: Sendable, Equatable, CustomStringConvertible {
        public enum Value: Sendable, Equatable {
            case value(Int64)
            case param(String)
        }
        public var value: Value?
        public var denotation: String?
        public init(_ value: Value?, denotation: String? = nil) {
            self.value = value
            self.denotation = denotation
        }
        public static func fixed(_ n: Int64) -> Dimension { Dimension(.value(n)) }
        public static func symbol(_ s: String) -> Dimension { Dimension(.param(s)) }

        public var description: String {
            switch value {
            case .value(let n)?: return String(n)
            case .param(let s)?: return s
            case nil: return "?"
            }
        }
    }
    public var dims: [Dimension]
    public init(dims: [Dimension]) { self.dims = dims }
}

public struct TensorAnnotation: Sendable, Equatable {
    public var tensorName: String?
    public var quantParameterTensorNames: [StringPair] = []
    public init(tensorName: String? = nil) { self.tensorName = tensorName }
}

public struct SparseTensor: Sendable, Equatable {
    public var values: Tensor?
    public var indices: Tensor?
    public var dims: [Int64] = []
    public init(values: Tensor? = nil, indices: Tensor? = nil, dims: [Int64] = []) {
        self.values = values
        self.indices = indices
        self.dims = dims
    }
}

public struct TrainingInfo: Sendable, Equatable {
    public var initialization: Graph?
    public var algorithm: Graph?
    public var initializationBinding: [StringPair] = []
    public var updateBinding: [StringPair] = []
    public init() {}
}

public struct Function: Sendable, Equatable {
    public var name: String?
    public var inputs: [String] = []
    public var outputs: [String] = []
    public var attributeNames: [String] = []
    public var attributeProtos: [Attribute] = []
    public var nodes: [Node] = []
    public var docString: String?
    public var opsetImports: [OperatorSetID] = []
    public var domain: String?
    public var overload: String?
    public var valueInfo: [ValueInfo] = []
    public var metadataProps: [StringPair] = []
    public init(name: String? = nil) { self.name = name }
}
