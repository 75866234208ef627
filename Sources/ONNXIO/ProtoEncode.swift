// The Swift value types to onnx.proto messages (written through `ProtoWriter` by field
// number) for packing. Pure Swift: libprotobuf-c is reached only through ProtobufBridge.swift.

private typealias F = ONNXField

enum ProtoEncode {
    static func model(_ m: Model, _ w: ProtoWriter) {
        w.set(F.Model.irVersion, m.irVersion)
        w.messages(F.Model.opsetImport, m.opsetImports, opset)
        w.set(F.Model.producerName, string: m.producerName)
        w.set(F.Model.producerVersion, string: m.producerVersion)
        w.set(F.Model.domain, string: m.domain)
        w.set(F.Model.modelVersion, m.modelVersion)
        w.set(F.Model.docString, string: m.docString)
        w.message(F.Model.graph, m.graph, graph)
        w.messages(F.Model.metadataProps, m.metadataProps, pair)
        w.messages(F.Model.trainingInfo, m.trainingInfo, trainingInfo)
        w.messages(F.Model.functions, m.functions, function)
        w.setUnknownFields(m.unknownFields)
    }

    static func opset(_ o: OperatorSetID, _ w: ProtoWriter) {
        w.set(F.OperatorSetID.domain, string: o.domain)
        w.set(F.OperatorSetID.version, o.version)
    }

    static func pair(_ s: StringPair, _ w: ProtoWriter) {
        w.set(F.StringPair.key, string: s.key)
        w.set(F.StringPair.value, string: s.value)
    }

    static func graph(_ g: Graph, _ w: ProtoWriter) {
        w.messages(F.Graph.node, g.nodes, node)
        w.set(F.Graph.name, string: g.name)
        w.messages(F.Graph.initializer, g.initializers, tensor)
        w.messages(F.Graph.sparseInitializer, g.sparseInitializers, sparse)
        w.set(F.Graph.docString, string: g.docString)
        w.messages(F.Graph.input, g.inputs, valueInfo)
        w.messages(F.Graph.output, g.outputs, valueInfo)
        w.messages(F.Graph.valueInfo, g.valueInfo, valueInfo)
        w.messages(F.Graph.quantizationAnnotation, g.quantizationAnnotations) { t, q in
            q.set(F.TensorAnnotation.tensorName, string: t.tensorName)
            q.messages(F.TensorAnnotation.quantParameterTensorNames, t.quantParameterTensorNames, pair)
        }
        w.messages(F.Graph.metadataProps, g.metadataProps, pair)
        w.setUnknownFields(g.unknownFields)
    }

    static func node(_ n: Node, _ w: ProtoWriter) {
        w.set(F.Node.input, strings: n.inputs)
        w.set(F.Node.output, strings: n.outputs)
        w.set(F.Node.name, string: n.name)
        w.set(F.Node.opType, string: n.opType)
        w.set(F.Node.domain, string: n.domain)
        w.set(F.Node.overload, string: n.overload)
        w.messages(F.Node.attribute, n.attributes, attribute)
        w.set(F.Node.docString, string: n.docString)
        w.messages(F.Node.metadataProps, n.metadataProps, pair)
        w.setUnknownFields(n.unknownFields)
    }

    static func attribute(_ x: Attribute, _ w: ProtoWriter) {
        typealias A = F.Attribute
        w.set(A.name, string: x.name)
        w.set(A.refAttrName, string: x.refAttrName)
        w.set(A.docString, string: x.docString)
        w.set(A.type, x.type?.rawValue)
        w.set(A.f, x.f)
        w.set(A.i, x.i)
        w.set(A.s, bytes: x.s)
        w.message(A.t, x.t, tensor)
        w.message(A.g, x.g, graph)
        w.message(A.sparseTensor, x.sparseTensor, sparse)
        w.message(A.tp, x.tp, typeProto)
        w.set(A.floats, array: x.floats)
        w.set(A.ints, array: x.ints)
        w.set(A.strings, bytesList: x.strings)
        w.messages(A.tensors, x.tensors, tensor)
        w.messages(A.graphs, x.graphs, graph)
        w.messages(A.sparseTensors, x.sparseTensors, sparse)
        w.messages(A.typeProtos, x.typeProtos, typeProto)
        w.setUnknownFields(x.unknownFields)
    }

    static func valueInfo(_ v: ValueInfo, _ w: ProtoWriter) {
        w.set(F.ValueInfo.name, string: v.name)
        w.message(F.ValueInfo.type, v.type, typeProto)
        w.set(F.ValueInfo.docString, string: v.docString)
        w.messages(F.ValueInfo.metadataProps, v.metadataProps, pair)
        w.setUnknownFields(v.unknownFields)
    }

    static func shape(_ s: TensorShape, _ w: ProtoWriter) {
        w.messages(F.TensorShape.dim, s.dims) { d, q in
            q.set(F.Dimension.denotation, string: d.denotation)
            switch d.value {
            case .value(let n)?: q.set(F.Dimension.dimValue, n)
            case .param(let s)?: q.set(F.Dimension.dimParam, string: s)
            case nil: break
            }
        }
    }

    static func typeProto(_ t: TypeProto, _ w: ProtoWriter) {
        typealias T = F.TypeProto
        w.set(T.denotation, string: t.denotation)
        let elem = F.ElementType.elemType
        switch t.value {
        case let .tensor(e, s)?:
            w.message(T.tensorType, (e, s), tensorType)
        case let .sequence(e)?:
            w.message(T.sequenceType, e as TypeProto??) { e, q in q.message(elem, e, typeProto) }
        case let .map(key, value)?:
            w.message(T.mapType, (key, value)) { kv, q in
                q.set(F.MapType.keyType, kv.0)
                q.message(F.MapType.valueType, kv.1, typeProto)
            }
        case let .optional(e)?:
            w.message(T.optionalType, e as TypeProto??) { e, q in q.message(elem, e, typeProto) }
        case let .sparseTensor(e, s)?:
            w.message(T.sparseTensorType, (e, s), tensorType)
        case nil:
            break
        }
    }

    /// `TypeProto.Tensor` and `TypeProto.SparseTensor`: element type and shape.
    private static func tensorType(_ x: (Int32?, TensorShape?), _ w: ProtoWriter) {
        w.set(F.TensorType.elemType, x.0)
        w.message(F.TensorType.shape, x.1, shape)
    }

    static func sparse(_ s: SparseTensor, _ w: ProtoWriter) {
        w.message(F.SparseTensor.values, s.values, tensor)
        w.message(F.SparseTensor.indices, s.indices, tensor)
        w.set(F.SparseTensor.dims, array: s.dims)
    }

    static func tensor(_ t: Tensor, _ w: ProtoWriter) {
        typealias T = F.Tensor
        w.set(T.dims, array: t.dims)
        w.set(T.dataType, t.dataTypeField)
        w.message(T.segment, t.segment) { s, q in
            q.set(F.Segment.begin, s.begin)
            q.set(F.Segment.end, s.end)
        }
        w.set(T.floatData, array: t.floatData)
        w.set(T.int32Data, array: t.int32Data)
        w.set(T.stringData, bytesList: t.stringData)
        w.set(T.int64Data, array: t.int64Data)
        w.set(T.name, string: t.name)
        w.set(T.docString, string: t.docString)
        w.set(T.rawData, payload: t.rawData)
        w.messages(T.externalData, t.externalData, pair)
        w.set(T.dataLocation, t.dataLocation?.rawValue ?? t.unknownDataLocation)
        w.set(T.doubleData, array: t.doubleData)
        w.set(T.uint64Data, array: t.uint64Data)
        w.messages(T.metadataProps, t.metadataProps, pair)
        w.setUnknownFields(t.unknownFields)
    }

    static func trainingInfo(_ t: TrainingInfo, _ w: ProtoWriter) {
        w.message(F.TrainingInfo.initialization, t.initialization, graph)
        w.message(F.TrainingInfo.algorithm, t.algorithm, graph)
        w.messages(F.TrainingInfo.initializationBinding, t.initializationBinding, pair)
        w.messages(F.TrainingInfo.updateBinding, t.updateBinding, pair)
    }

    static func function(_ f: Function, _ w: ProtoWriter) {
        typealias T = F.Function
        w.set(T.name, string: f.name)
        w.set(T.input, strings: f.inputs)
        w.set(T.output, strings: f.outputs)
        w.set(T.attribute, strings: f.attributeNames)
        w.messages(T.attributeProto, f.attributeProtos, attribute)
        w.messages(T.node, f.nodes, node)
        w.set(T.docString, string: f.docString)
        w.messages(T.opsetImport, f.opsetImports, opset)
        w.set(T.domain, string: f.domain)
        w.set(T.overload, string: f.overload)
        w.messages(T.valueInfo, f.valueInfo, valueInfo)
        w.messages(T.metadataProps, f.metadataProps, pair)
    }
}
