/// Field numbers of `onnx.proto` (ONNX 1.17.0), one namespace per message.
///
/// `ProtoDecode` and `ProtoEncode` name fields by these numbers; `ProtobufBridge` finds each
/// one in libprotobuf-c's run-time descriptor of the message, so a wrong number or type
/// stops at the first load or save in the tests rather than misreading a file.
enum ONNXField {
    enum Model {
        static let irVersion: UInt32 = 1, producerName: UInt32 = 2, producerVersion: UInt32 = 3
        static let domain: UInt32 = 4, modelVersion: UInt32 = 5, docString: UInt32 = 6, graph: UInt32 = 7
        static let opsetImport: UInt32 = 8, metadataProps: UInt32 = 14, trainingInfo: UInt32 = 20
        static let functions: UInt32 = 25
    }
    enum OperatorSetID {
        static let domain: UInt32 = 1, version: UInt32 = 2
    }
    enum StringPair {
        static let key: UInt32 = 1, value: UInt32 = 2
    }
    enum Graph {
        static let node: UInt32 = 1, name: UInt32 = 2, initializer: UInt32 = 5, docString: UInt32 = 10
        static let input: UInt32 = 11, output: UInt32 = 12, valueInfo: UInt32 = 13
        static let quantizationAnnotation: UInt32 = 14, sparseInitializer: UInt32 = 15, metadataProps: UInt32 = 16
    }
    enum TensorAnnotation {
        static let tensorName: UInt32 = 1, quantParameterTensorNames: UInt32 = 2
    }
    enum Node {
        static let input: UInt32 = 1, output: UInt32 = 2, name: UInt32 = 3, opType: UInt32 = 4
        static let attribute: UInt32 = 5, docString: UInt32 = 6, domain: UInt32 = 7, overload: UInt32 = 8
        static let metadataProps: UInt32 = 9
    }
    enum Attribute {
        static let name: UInt32 = 1, f: UInt32 = 2, i: UInt32 = 3, s: UInt32 = 4, t: UInt32 = 5, g: UInt32 = 6
        static let floats: UInt32 = 7, ints: UInt32 = 8, strings: UInt32 = 9, tensors: UInt32 = 10
        static let graphs: UInt32 = 11, docString: UInt32 = 13, tp: UInt32 = 14, typeProtos: UInt32 = 15
        static let type: UInt32 = 20, refAttrName: UInt32 = 21, sparseTensor: UInt32 = 22
        static let sparseTensors: UInt32 = 23
    }
    enum ValueInfo {
        static let name: UInt32 = 1, type: UInt32 = 2, docString: UInt32 = 3, metadataProps: UInt32 = 4
    }
    enum TensorShape {
        static let dim: UInt32 = 1
    }
    /// `TensorShapeProto.Dimension`; `dimValue` and `dimParam` form the oneof `value`.
    enum Dimension {
        static let dimValue: UInt32 = 1, dimParam: UInt32 = 2, denotation: UInt32 = 3
    }
    /// `TypeProto`; every field but `denotation` belongs to the oneof `value`.
    enum TypeProto {
        static let tensorType: UInt32 = 1, sequenceType: UInt32 = 4, mapType: UInt32 = 5
        static let denotation: UInt32 = 6, sparseTensorType: UInt32 = 8, optionalType: UInt32 = 9
    }
    /// `TypeProto.Tensor` and `TypeProto.SparseTensor`.
    enum TensorType {
        static let elemType: UInt32 = 1, shape: UInt32 = 2
    }
    /// `TypeProto.Sequence` and `TypeProto.Optional`.
    enum ElementType {
        static let elemType: UInt32 = 1
    }
    enum MapType {
        static let keyType: UInt32 = 1, valueType: UInt32 = 2
    }
    enum SparseTensor {
        static let values: UInt32 = 1, indices: UInt32 = 2, dims: UInt32 = 3
    }
    enum Tensor {
        static let dims: UInt32 = 1, dataType: UInt32 = 2, segment: UInt32 = 3, floatData: UInt32 = 4
        static let int32Data: UInt32 = 5, stringData: UInt32 = 6, int64Data: UInt32 = 7, name: UInt32 = 8
        static let rawData: UInt32 = 9, doubleData: UInt32 = 10, uint64Data: UInt32 = 11, docString: UInt32 = 12
        static let externalData: UInt32 = 13, dataLocation: UInt32 = 14, metadataProps: UInt32 = 16
    }
    enum Segment {
        static let begin: UInt32 = 1, end: UInt32 = 2
    }
    enum TrainingInfo {
        static let initialization: UInt32 = 1, algorithm: UInt32 = 2
        static let initializationBinding: UInt32 = 3, updateBinding: UInt32 = 4
    }
    enum Function {
        static let name: UInt32 = 1, input: UInt32 = 4, output: UInt32 = 5, attribute: UInt32 = 6
        static let node: UInt32 = 7, docString: UInt32 = 8, opsetImport: UInt32 = 9, domain: UInt32 = 10
        static let attributeProto: UInt32 = 11, valueInfo: UInt32 = 12, overload: UInt32 = 13
        static let metadataProps: UInt32 = 14
    }
}
