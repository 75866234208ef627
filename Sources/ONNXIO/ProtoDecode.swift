internal import CONNXProto
internal import CProtobufC

// Conversion from libprotobuf-c's unpacked C structs to the Swift value types.
// This file and ProtoEncode.swift are the only callers of the generated C API.

@inline(__always) private func str(_ p: UnsafeMutablePointer<CChar>?) -> String? {
    p.map { String(cString: $0) }
}

@inline(__always) private func list<T>(_ n: Int, _ p: UnsafeMutablePointer<T>?) -> [T] {
    guard n > 0, let p else { return [] }
    return Array(UnsafeBufferPointer(start: p, count: n))
}

@inline(__always) private func strings(_ n: Int, _ p: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> [String] {
    guard n > 0, let p else { return [] }
    return (0..<n).map { str(p[$0]) ?? "" }
}

@inline(__always) private func messages<C, S>(
    _ n: Int, _ p: UnsafeMutablePointer<UnsafeMutablePointer<C>?>?, _ convert: (UnsafeMutablePointer<C>) -> S
) -> [S] {
    guard n > 0, let p else { return [] }
    return (0..<n).compactMap { p[$0].map(convert) }
}

@inline(__always) private func bytes(_ b: ProtobufCBinaryData) -> [UInt8] {
    guard b.len > 0, let d = b.data else { return [] }
    return Array(UnsafeBufferPointer(start: d, count: b.len))
}

/// Unknown fields, kept to be written back verbatim. Field number 0 is not a valid field
/// (protobuf numbers fields from 1; Google's parser refuses it), yet libprotobuf-c accepts
/// it in a non-minimal varint key and then cannot read back what it writes for it, so such
/// fields are dropped.
private func unknowns(_ base: ProtobufCMessage) -> [UnknownField] {
    guard base.n_unknown_fields > 0, let u = base.unknown_fields else { return [] }
    return (0..<Int(base.n_unknown_fields)).filter { u[$0].tag != 0 }.map {
        let f = u[$0]
        let data = f.len > 0 && f.data != nil ? Array(UnsafeBufferPointer(start: f.data, count: f.len)) : []
        return UnknownField(tag: f.tag, wireType: f.wire_type.rawValue, data: data)
    }
}

enum ProtoDecode {
    static func model(_ m: UnsafeMutablePointer<Onnx__ModelProto>) -> Model {
        let c = m.pointee
        var r = Model()
        r.irVersion = c.has_ir_version != 0 ? c.ir_version : nil
        r.opsetImports = messages(c.n_opset_import, c.opset_import, opset)
        r.producerName = str(c.producer_name)
        r.producerVersion = str(c.producer_version)
        r.domain = str(c.domain)
        r.modelVersion = c.has_model_version != 0 ? c.model_version : nil
        r.docString = str(c.doc_string)
        r.graph = c.graph.map(graph)
        r.metadataProps = messages(c.n_metadata_props, c.metadata_props, pair)
        r.trainingInfo = messages(c.n_training_info, c.training_info, trainingInfo)
        r.functions = messages(c.n_functions, c.functions, function)
        r.unknownFields = unknowns(c.base)
        return r
    }

    static func opset(_ p: UnsafeMutablePointer<Onnx__OperatorSetIdProto>) -> OperatorSetID {
        OperatorSetID(domain: str(p.pointee.domain), version: p.pointee.has_version != 0 ? p.pointee.version : nil)
    }

    static func pair(_ p: UnsafeMutablePointer<Onnx__StringStringEntryProto>) -> StringPair {
        StringPair(key: str(p.pointee.key), value: str(p.pointee.value))
    }

    static func graph(_ p: UnsafeMutablePointer<Onnx__GraphProto>) -> Graph {
        let c = p.pointee
        var g = Graph(name: str(c.name))
        g.nodes = messages(c.n_node, c.node, node)
        g.initializers = messages(c.n_initializer, c.initializer, tensor)
        g.sparseInitializers = messages(c.n_sparse_initializer, c.sparse_initializer, sparse)
        g.docString = str(c.doc_string)
        g.inputs = messages(c.n_input, c.input, valueInfo)
        g.outputs = messages(c.n_output, c.output, valueInfo)
        g.valueInfo = messages(c.n_value_info, c.value_info, valueInfo)
        g.quantizationAnnotations = messages(c.n_quantization_annotation, c.quantization_annotation) { a in
            var t = TensorAnnotation(tensorName: str(a.pointee.tensor_name))
            t.quantParameterTensorNames = messages(a.pointee.n_quant_parameter_tensor_names,
                                                   a.pointee.quant_parameter_tensor_names, pair)
            return t
        }
        g.metadataProps = messages(c.n_metadata_props, c.metadata_props, pair)
        g.unknownFields = unknowns(c.base)
        return g
    }

    static func node(_ p: UnsafeMutablePointer<Onnx__NodeProto>) -> Node {
        let c = p.pointee
        var n = Node(opType: str(c.op_type), inputs: strings(c.n_input, c.input),
                     outputs: strings(c.n_output, c.output), name: str(c.name))
        n.domain = str(c.domain)
        n.overload = str(c.overload)
        n.attributes = messages(c.n_attribute, c.attribute, attribute)
        n.docString = str(c.doc_string)
        n.metadataProps = messages(c.n_metadata_props, c.metadata_props, pair)
        n.unknownFields = unknowns(c.base)
        return n
    }

    static func attribute(_ p: UnsafeMutablePointer<Onnx__AttributeProto>) -> Attribute {
        let c = p.pointee
        var a = Attribute(name: str(c.name), type: c.has_type != 0 ? Attribute.Kind(rawValue: Int32(bitPattern: c.type.rawValue)) : nil)
        a.refAttrName = str(c.ref_attr_name)
        a.docString = str(c.doc_string)
        a.f = c.has_f != 0 ? c.f : nil
        a.i = c.has_i != 0 ? c.i : nil
        a.s = c.has_s != 0 ? bytes(c.s) : nil
        a.t = c.t.map(tensor)
        a.g = c.g.map(graph)
        a.sparseTensor = c.sparse_tensor.map(sparse)
        a.tp = c.tp.map(typeProto)
        a.floats = list(c.n_floats, c.floats)
        a.ints = list(c.n_ints, c.ints)
        a.strings = c.n_strings > 0 ? (0..<c.n_strings).map { bytes(c.strings[$0]) } : []
        a.tensors = messages(c.n_tensors, c.tensors, tensor)
        a.graphs = messages(c.n_graphs, c.graphs, graph)
        a.sparseTensors = messages(c.n_sparse_tensors, c.sparse_tensors, sparse)
        a.typeProtos = messages(c.n_type_protos, c.type_protos, typeProto)
        a.unknownFields = unknowns(c.base)
        return a
    }

    static func valueInfo(_ p: UnsafeMutablePointer<Onnx__ValueInfoProto>) -> ValueInfo {
        let c = p.pointee
        var v = ValueInfo(name: str(c.name), type: c.type.map(typeProto))
        v.docString = str(c.doc_string)
        v.metadataProps = messages(c.n_metadata_props, c.metadata_props, pair)
        v.unknownFields = unknowns(c.base)
        return v
    }

    static func shape(_ p: UnsafeMutablePointer<Onnx__TensorShapeProto>) -> TensorShape {
        TensorShape(dims: messages(p.pointee.n_dim, p.pointee.dim) { d in
            let value: TensorShape.Dimension.Value?
            switch d.pointee.value_case {
            case ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE: value = .value(d.pointee.dim_value)
            case ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM: value = .param(str(d.pointee.dim_param) ?? "")
            default: value = nil
            }
            return TensorShape.Dimension(value, denotation: str(d.pointee.denotation))
        })
    }

    static func typeProto(_ p: UnsafeMutablePointer<Onnx__TypeProto>) -> TypeProto {
        let c = p.pointee
        var t = TypeProto(denotation: str(c.denotation))
        switch c.value_case {
        case ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE:
            if let x = c.tensor_type {
                t.value = .tensor(elemType: x.pointee.has_elem_type != 0 ? x.pointee.elem_type : nil,
                                  shape: x.pointee.shape.map(shape))
            }
        case ONNX__TYPE_PROTO__VALUE_SEQUENCE_TYPE:
            if let x = c.sequence_type { t.value = .sequence(elemType: x.pointee.elem_type.map(typeProto)) }
        case ONNX__TYPE_PROTO__VALUE_MAP_TYPE:
            if let x = c.map_type {
                t.value = .map(keyType: x.pointee.has_key_type != 0 ? x.pointee.key_type : nil,
                               valueType: x.pointee.value_type.map(typeProto))
            }
        case ONNX__TYPE_PROTO__VALUE_OPTIONAL_TYPE:
            if let x = c.optional_type { t.value = .optional(elemType: x.pointee.elem_type.map(typeProto)) }
        case ONNX__TYPE_PROTO__VALUE_SPARSE_TENSOR_TYPE:
            if let x = c.sparse_tensor_type {
                t.value = .sparseTensor(elemType: x.pointee.has_elem_type != 0 ? x.pointee.elem_type : nil,
                                        shape: x.pointee.shape.map(shape))
            }
        default:
            break
        }
        return t
    }

    static func sparse(_ p: UnsafeMutablePointer<Onnx__SparseTensorProto>) -> SparseTensor {
        SparseTensor(values: p.pointee.values.map(tensor), indices: p.pointee.indices.map(tensor),
                     dims: list(p.pointee.n_dims, p.pointee.dims))
    }

    /// Converts a tensor, taking ownership of its `raw_data` buffer (no copy): the C field
    /// is cleared so that freeing the message leaves the buffer alone.
    static func tensor(_ p: UnsafeMutablePointer<Onnx__TensorProto>) -> Tensor {
        let c = p.pointee
        var t = Tensor(name: str(c.name), dataType: .undefined, dims: list(c.n_dims, c.dims))
        t.dataTypeField = c.has_data_type != 0 ? c.data_type : nil
        if let s = c.segment {
            t.segment = Tensor.Segment(begin: s.pointee.has_begin != 0 ? s.pointee.begin : nil,
                                       end: s.pointee.has_end != 0 ? s.pointee.end : nil)
        }
        t.floatData = list(c.n_float_data, c.float_data)
        t.int32Data = list(c.n_int32_data, c.int32_data)
        t.stringData = c.n_string_data > 0 ? (0..<c.n_string_data).map { bytes(c.string_data[$0]) } : []
        t.int64Data = list(c.n_int64_data, c.int64_data)
        t.doubleData = list(c.n_double_data, c.double_data)
        t.uint64Data = list(c.n_uint64_data, c.uint64_data)
        if c.has_raw_data != 0 {
            if c.raw_data.len > 0, let d = c.raw_data.data {
                t.rawData = TensorBytes(adopting: UnsafeMutableRawPointer(d), count: c.raw_data.len,
                                        release: { onnxio_free($0) })
                p.pointee.raw_data.data = nil
                p.pointee.raw_data.len = 0
            } else {
                t.rawData = TensorBytes()
            }
        }
        t.docString = str(c.doc_string)
        t.externalData = messages(c.n_external_data, c.external_data, pair)
        if c.has_data_location != 0 {
            let raw = Int32(bitPattern: c.data_location.rawValue)
            if let loc = Tensor.Location(rawValue: raw) { t.dataLocation = loc } else { t.unknownDataLocation = raw }
        }
        t.metadataProps = messages(c.n_metadata_props, c.metadata_props, pair)
        t.unknownFields = unknowns(c.base)
        return t
    }

    static func trainingInfo(_ p: UnsafeMutablePointer<Onnx__TrainingInfoProto>) -> TrainingInfo {
        let c = p.pointee
        var t = TrainingInfo()
        t.initialization = c.initialization.map(graph)
        t.algorithm = c.algorithm.map(graph)
        t.initializationBinding = messages(c.n_initialization_binding, c.initialization_binding, pair)
        t.updateBinding = messages(c.n_update_binding, c.update_binding, pair)
        return t
    }

    static func function(_ p: UnsafeMutablePointer<Onnx__FunctionProto>) -> Function {
        let c = p.pointee
        var f = Function(name: str(c.name))
        f.inputs = strings(c.n_input, c.input)
        f.outputs = strings(c.n_output, c.output)
        f.attributeNames = strings(c.n_attribute, c.attribute)
        f.attributeProtos = messages(c.n_attribute_proto, c.attribute_proto, attribute)
        f.nodes = messages(c.n_node, c.node, node)
        f.docString = str(c.doc_string)
        f.opsetImports = messages(c.n_opset_import, c.opset_import, opset)
        f.domain = str(c.domain)
        f.overload = str(c.overload)
        f.valueInfo = messages(c.n_value_info, c.value_info, valueInfo)
        f.metadataProps = messages(c.n_metadata_props, c.metadata_props, pair)
        return f
    }
}
