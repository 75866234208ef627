// Unpacked onnx.proto messages (read through `ProtoReader` by field number) to the Swift
// value types. Pure Swift: libprotobuf-c is reached only through ProtobufBridge.swift.

private typealias F = ONNXField

enum ProtoDecode {
    static func model(_ r: ProtoReader) -> Model {
        var m = Model()
        m.irVersion = r.scalar(F.Model.irVersion)
        m.opsetImports = r.messages(F.Model.opsetImport, opset)
        m.producerName = r.string(F.Model.producerName)
        m.producerVersion = r.string(F.Model.producerVersion)
        m.domain = r.string(F.Model.domain)
        m.modelVersion = r.scalar(F.Model.modelVersion)
        m.docString = r.string(F.Model.docString)
        m.graph = r.message(F.Model.graph, graph)
        m.metadataProps = r.messages(F.Model.metadataProps, pair)
        m.trainingInfo = r.messages(F.Model.trainingInfo, trainingInfo)
        m.functions = r.messages(F.Model.functions, function)
        m.unknownFields = r.unknownFields
        return m
    }

    static func opset(_ r: ProtoReader) -> OperatorSetID {
        OperatorSetID(domain: r.string(F.OperatorSetID.domain), version: r.scalar(F.OperatorSetID.version))
    }

    static func pair(_ r: ProtoReader) -> StringPair {
        StringPair(key: r.string(F.StringPair.key), value: r.string(F.StringPair.value))
    }

    static func graph(_ r: ProtoReader) -> Graph {
        var g = Graph(name: r.string(F.Graph.name))
        g.nodes = r.messages(F.Graph.node, node)
        g.initializers = r.messages(F.Graph.initializer, tensor)
        g.sparseInitializers = r.messages(F.Graph.sparseInitializer, sparse)
        g.docString = r.string(F.Graph.docString)
        g.inputs = r.messages(F.Graph.input, valueInfo)
        g.outputs = r.messages(F.Graph.output, valueInfo)
        g.valueInfo = r.messages(F.Graph.valueInfo, valueInfo)
        g.quantizationAnnotations = r.messages(F.Graph.quantizationAnnotation) { a in
            var t = TensorAnnotation(tensorName: a.string(F.TensorAnnotation.tensorName))
            t.quantParameterTensorNames = a.messages(F.TensorAnnotation.quantParameterTensorNames, pair)
            return t
        }
        g.metadataProps = r.messages(F.Graph.metadataProps, pair)
        g.unknownFields = r.unknownFields
        return g
    }

    static func node(_ r: ProtoReader) -> Node {
        var n = Node(opType: r.string(F.Node.opType), inputs: r.strings(F.Node.input),
                     outputs: r.strings(F.Node.output), name: r.string(F.Node.name))
        n.domain = r.string(F.Node.domain)
        n.overload = r.string(F.Node.overload)
        n.attributes = r.messages(F.Node.attribute, attribute)
        n.docString = r.string(F.Node.docString)
        n.metadataProps = r.messages(F.Node.metadataProps, pair)
        n.unknownFields = r.unknownFields
        return n
    }

    static func attribute(_ r: ProtoReader) -> Attribute {
        var a = Attribute(name: r.string(F.Attribute.name), type: r.scalar(F.Attribute.type, as: Int32.self).map(Attribute.Kind.init))
        a.refAttrName = r.string(F.Attribute.refAttrName)
        a.docString = r.string(F.Attribute.docString)
        a.f = r.scalar(F.Attribute.f)
        a.i = r.scalar(F.Attribute.i)
        a.s = r.bytes(F.Attribute.s)
        a.t = r.message(F.Attribute.t, tensor)
        a.g = r.message(F.Attribute.g, graph)
        a.sparseTensor = r.message(F.Attribute.sparseTensor, sparse)
        a.tp = r.message(F.Attribute.tp, typeProto)
        a.floats = r.array(F.Attribute.floats)
        a.ints = r.array(F.Attribute.ints)
        a.strings = r.bytesList(F.Attribute.strings)
        a.tensors = r.messages(F.Attribute.tensors, tensor)
        a.graphs = r.messages(F.Attribute.graphs, graph)
        a.sparseTensors = r.messages(F.Attribute.sparseTensors, sparse)
        a.typeProtos = r.messages(F.Attribute.typeProtos, typeProto)
        a.unknownFields = r.unknownFields
        return a
    }

    static func valueInfo(_ r: ProtoReader) -> ValueInfo {
        var v = ValueInfo(name: r.string(F.ValueInfo.name), type: r.message(F.ValueInfo.type, typeProto))
        v.docString = r.string(F.ValueInfo.docString)
        v.metadataProps = r.messages(F.ValueInfo.metadataProps, pair)
        v.unknownFields = r.unknownFields
        return v
    }

    static func shape(_ r: ProtoReader) -> TensorShape {
        TensorShape(dims: r.messages(F.TensorShape.dim) { d in
            let value: TensorShape.Dimension.Value?
            if let n = d.scalar(F.Dimension.dimValue, as: Int64.self) {
                value = .value(n)
            } else if let s = d.string(F.Dimension.dimParam) {
                value = .param(s)
            } else {
                value = nil
            }
            return TensorShape.Dimension(value, denotation: d.string(F.Dimension.denotation))
        })
    }

    /// The oneof `value` holds at most one of these fields.
    static func typeProto(_ r: ProtoReader) -> TypeProto {
        typealias T = F.TypeProto
        var t = TypeProto(denotation: r.string(T.denotation))
        let elem = F.ElementType.elemType
        if let v = r.message(T.tensorType, { x in TypeProto.Value.tensor(elemType: x.scalar(F.TensorType.elemType),
                                                                      shape: x.message(F.TensorType.shape, shape)) }) {
            t.value = v
        } else if let v = r.message(T.sequenceType, { x in TypeProto.Value.sequence(elemType: x.message(elem, typeProto)) }) {
            t.value = v
        } else if let v = r.message(T.mapType, { x in TypeProto.Value.map(keyType: x.scalar(F.MapType.keyType),
                                                                      valueType: x.message(F.MapType.valueType, typeProto)) }) {
            t.value = v
        } else if let v = r.message(T.optionalType, { x in TypeProto.Value.optional(elemType: x.message(elem, typeProto)) }) {
            t.value = v
        } else if let v = r.message(T.sparseTensorType, { x in
            TypeProto.Value.sparseTensor(elemType: x.scalar(F.TensorType.elemType), shape: x.message(F.TensorType.shape, shape))
        }) {
            t.value = v
        }
        return t
    }

    static func sparse(_ r: ProtoReader) -> SparseTensor {
        SparseTensor(values: r.message(F.SparseTensor.values, tensor), indices: r.message(F.SparseTensor.indices, tensor),
                     dims: r.array(F.SparseTensor.dims))
    }

    /// Converts a tensor, taking over its `raw_data` buffer (no copy).
    static func tensor(_ r: ProtoReader) -> Tensor {
        typealias T = F.Tensor
        var t = Tensor(name: r.string(T.name), dataType: .undefined, dims: r.array(T.dims))
        t.dataTypeField = r.scalar(T.dataType)
        t.segment = r.message(T.segment) { s in
            Tensor.Segment(begin: s.scalar(F.Segment.begin), end: s.scalar(F.Segment.end))
        }
        t.floatData = r.array(T.floatData)
        t.int32Data = r.array(T.int32Data)
        t.stringData = r.bytesList(T.stringData)
        t.int64Data = r.array(T.int64Data)
        t.doubleData = r.array(T.doubleData)
        t.uint64Data = r.array(T.uint64Data)
        t.rawData = r.takePayload(T.rawData)
        t.docString = r.string(T.docString)
        t.externalData = r.messages(T.externalData, pair)
        if let raw = r.scalar(T.dataLocation, as: Int32.self) {
            if let loc = Tensor.Location(rawValue: raw) { t.dataLocation = loc } else { t.unknownDataLocation = raw }
        }
        t.metadataProps = r.messages(T.metadataProps, pair)
        t.unknownFields = r.unknownFields
        return t
    }

    static func trainingInfo(_ r: ProtoReader) -> TrainingInfo {
        var t = TrainingInfo()
        t.initialization = r.message(F.TrainingInfo.initialization, graph)
        t.algorithm = r.message(F.TrainingInfo.algorithm, graph)
        t.initializationBinding = r.messages(F.TrainingInfo.initializationBinding, pair)
        t.updateBinding = r.messages(F.TrainingInfo.updateBinding, pair)
        return t
    }

    static func function(_ r: ProtoReader) -> Function {
        typealias T = F.Function
        var f = Function(name: r.string(T.name))
        f.inputs = r.strings(T.input)
        f.outputs = r.strings(T.output)
        f.attributeNames = r.strings(T.attribute)
        f.attributeProtos = r.messages(T.attributeProto, attribute)
        f.nodes = r.messages(T.node, node)
        f.docString = r.string(T.docString)
        f.opsetImports = r.messages(T.opsetImport, opset)
        f.domain = r.string(T.domain)
        f.overload = r.string(T.overload)
        f.valueInfo = r.messages(T.valueInfo, valueInfo)
        f.metadataProps = r.messages(T.metadataProps, pair)
        return f
    }
}
