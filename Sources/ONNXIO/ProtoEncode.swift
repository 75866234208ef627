internal import CONNXProto
internal import CProtobufC
#if canImport(Glibc)
import Glibc
#endif

/// Owns every C allocation made while building a message tree for packing, and keeps the
/// tensor payloads the tree points at alive. Everything is released together.
final class CArena {
    private var blocks: [UnsafeMutableRawPointer] = []
    private var kept: [TensorBytes] = []

    deinit { for b in blocks { free(b) } }

    func alloc<T>(_: T.Type, count: Int = 1) -> UnsafeMutablePointer<T> {
        let raw = calloc(max(count, 1), MemoryLayout<T>.stride)!
        blocks.append(raw)
        return raw.bindMemory(to: T.self, capacity: max(count, 1))
    }

    func cString(_ s: String?) -> UnsafeMutablePointer<CChar>? {
        guard let s else { return nil }
        let p = strdup(s)!
        blocks.append(UnsafeMutableRawPointer(p))
        return p
    }

    func array<T>(_ values: [T]) -> (Int, UnsafeMutablePointer<T>?) {
        guard !values.isEmpty else { return (0, nil) }
        let p = alloc(T.self, count: values.count)
        p.initialize(from: values, count: values.count)
        return (values.count, p)
    }

    func cStrings(_ values: [String]) -> (Int, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) {
        array(values.map { cString($0) })
    }

    func binary(_ b: [UInt8]) -> ProtobufCBinaryData {
        guard !b.isEmpty else { return ProtobufCBinaryData(len: 0, data: nil) }
        let p = alloc(UInt8.self, count: b.count)
        p.initialize(from: b, count: b.count)
        return ProtobufCBinaryData(len: b.count, data: p)
    }

    /// Points at the payload without copying; the payload is kept alive with the arena.
    func binary(_ t: TensorBytes) -> ProtobufCBinaryData {
        kept.append(t)
        guard let base = t.storage.base, t.count > 0 else { return ProtobufCBinaryData(len: 0, data: nil) }
        return ProtobufCBinaryData(len: t.count, data: base.assumingMemoryBound(to: UInt8.self))
    }

    func messages<S, C>(_ values: [S], _ make: (S) -> UnsafeMutablePointer<C>) -> (Int, UnsafeMutablePointer<UnsafeMutablePointer<C>?>?) {
        array(values.map { Optional(make($0)) })
    }

    /// Re-attaches unknown fields so that they are written back verbatim.
    func unknowns(_ fields: [UnknownField], into base: inout ProtobufCMessage) {
        guard !fields.isEmpty else { return }
        let p = alloc(ProtobufCMessageUnknownField.self, count: fields.count)
        for (i, f) in fields.enumerated() {
            let b = binary(f.data)
            p[i] = ProtobufCMessageUnknownField(tag: f.tag, wire_type: ProtobufCWireType(rawValue: f.wireType),
                                                len: b.len, data: b.data)
        }
        base.n_unknown_fields = UInt32(fields.count)
        base.unknown_fields = p
    }
}

enum ProtoEncode {
    static func model(_ m: Model, _ a: CArena) -> UnsafeMutablePointer<Onnx__ModelProto> {
        let p = a.alloc(Onnx__ModelProto.self)
        onnx__model_proto__init(p)
        if let v = m.irVersion { p.pointee.has_ir_version = 1; p.pointee.ir_version = v }
        (p.pointee.n_opset_import, p.pointee.opset_import) = a.messages(m.opsetImports) { opset($0, a) }
        p.pointee.producer_name = a.cString(m.producerName)
        p.pointee.producer_version = a.cString(m.producerVersion)
        p.pointee.domain = a.cString(m.domain)
        if let v = m.modelVersion { p.pointee.has_model_version = 1; p.pointee.model_version = v }
        p.pointee.doc_string = a.cString(m.docString)
        p.pointee.graph = m.graph.map { graph($0, a) }
        (p.pointee.n_metadata_props, p.pointee.metadata_props) = a.messages(m.metadataProps) { pair($0, a) }
        (p.pointee.n_training_info, p.pointee.training_info) = a.messages(m.trainingInfo) { trainingInfo($0, a) }
        (p.pointee.n_functions, p.pointee.functions) = a.messages(m.functions) { function($0, a) }
        a.unknowns(m.unknownFields, into: &p.pointee.base)
        return p
    }

    static func opset(_ o: OperatorSetID, _ a: CArena) -> UnsafeMutablePointer<Onnx__OperatorSetIdProto> {
        let p = a.alloc(Onnx__OperatorSetIdProto.self)
        onnx__operator_set_id_proto__init(p)
        p.pointee.domain = a.cString(o.domain)
        if let v = o.version { p.pointee.has_version = 1; p.pointee.version = v }
        return p
    }

    static func pair(_ s: StringPair, _ a: CArena) -> UnsafeMutablePointer<Onnx__StringStringEntryProto> {
        let p = a.alloc(Onnx__StringStringEntryProto.self)
        onnx__string_string_entry_proto__init(p)
        p.pointee.key = a.cString(s.key)
        p.pointee.value = a.cString(s.value)
        return p
    }

    static func graph(_ g: Graph, _ a: CArena) -> UnsafeMutablePointer<Onnx__GraphProto> {
        let p = a.alloc(Onnx__GraphProto.self)
        onnx__graph_proto__init(p)
        (p.pointee.n_node, p.pointee.node) = a.messages(g.nodes) { node($0, a) }
        p.pointee.name = a.cString(g.name)
        (p.pointee.n_initializer, p.pointee.initializer) = a.messages(g.initializers) { tensor($0, a) }
        (p.pointee.n_sparse_initializer, p.pointee.sparse_initializer) = a.messages(g.sparseInitializers) { sparse($0, a) }
        p.pointee.doc_string = a.cString(g.docString)
        (p.pointee.n_input, p.pointee.input) = a.messages(g.inputs) { valueInfo($0, a) }
        (p.pointee.n_output, p.pointee.output) = a.messages(g.outputs) { valueInfo($0, a) }
        (p.pointee.n_value_info, p.pointee.value_info) = a.messages(g.valueInfo) { valueInfo($0, a) }
        (p.pointee.n_quantization_annotation, p.pointee.quantization_annotation) = a.messages(g.quantizationAnnotations) { t in
            let q = a.alloc(Onnx__TensorAnnotation.self)
            onnx__tensor_annotation__init(q)
            q.pointee.tensor_name = a.cString(t.tensorName)
            (q.pointee.n_quant_parameter_tensor_names, q.pointee.quant_parameter_tensor_names) =
                a.messages(t.quantParameterTensorNames) { pair($0, a) }
            return q
        }
        (p.pointee.n_metadata_props, p.pointee.metadata_props) = a.messages(g.metadataProps) { pair($0, a) }
        a.unknowns(g.unknownFields, into: &p.pointee.base)
        return p
    }

    static func node(_ n: Node, _ a: CArena) -> UnsafeMutablePointer<Onnx__NodeProto> {
        let p = a.alloc(Onnx__NodeProto.self)
        onnx__node_proto__init(p)
        (p.pointee.n_input, p.pointee.input) = a.cStrings(n.inputs)
        (p.pointee.n_output, p.pointee.output) = a.cStrings(n.outputs)
        p.pointee.name = a.cString(n.name)
        p.pointee.op_type = a.cString(n.opType)
        p.pointee.domain = a.cString(n.domain)
        p.pointee.overload = a.cString(n.overload)
        (p.pointee.n_attribute, p.pointee.attribute) = a.messages(n.attributes) { attribute($0, a) }
        p.pointee.doc_string = a.cString(n.docString)
        (p.pointee.n_metadata_props, p.pointee.metadata_props) = a.messages(n.metadataProps) { pair($0, a) }
        a.unknowns(n.unknownFields, into: &p.pointee.base)
        return p
    }

    static func attribute(_ x: Attribute, _ a: CArena) -> UnsafeMutablePointer<Onnx__AttributeProto> {
        let p = a.alloc(Onnx__AttributeProto.self)
        onnx__attribute_proto__init(p)
        p.pointee.name = a.cString(x.name)
        p.pointee.ref_attr_name = a.cString(x.refAttrName)
        p.pointee.doc_string = a.cString(x.docString)
        if let t = x.type {
            p.pointee.has_type = 1
            p.pointee.type = Onnx__AttributeProto__AttributeType(rawValue: UInt32(bitPattern: t.rawValue))
        }
        if let v = x.f { p.pointee.has_f = 1; p.pointee.f = v }
        if let v = x.i { p.pointee.has_i = 1; p.pointee.i = v }
        if let v = x.s { p.pointee.has_s = 1; p.pointee.s = a.binary(v) }
        p.pointee.t = x.t.map { tensor($0, a) }
        p.pointee.g = x.g.map { graph($0, a) }
        p.pointee.sparse_tensor = x.sparseTensor.map { sparse($0, a) }
        p.pointee.tp = x.tp.map { typeProto($0, a) }
        (p.pointee.n_floats, p.pointee.floats) = a.array(x.floats)
        (p.pointee.n_ints, p.pointee.ints) = a.array(x.ints)
        (p.pointee.n_strings, p.pointee.strings) = a.array(x.strings.map { a.binary($0) })
        (p.pointee.n_tensors, p.pointee.tensors) = a.messages(x.tensors) { tensor($0, a) }
        (p.pointee.n_graphs, p.pointee.graphs) = a.messages(x.graphs) { graph($0, a) }
        (p.pointee.n_sparse_tensors, p.pointee.sparse_tensors) = a.messages(x.sparseTensors) { sparse($0, a) }
        (p.pointee.n_type_protos, p.pointee.type_protos) = a.messages(x.typeProtos) { typeProto($0, a) }
        a.unknowns(x.unknownFields, into: &p.pointee.base)
        return p
    }

    static func valueInfo(_ v: ValueInfo, _ a: CArena) -> UnsafeMutablePointer<Onnx__ValueInfoProto> {
        let p = a.alloc(Onnx__ValueInfoProto.self)
        onnx__value_info_proto__init(p)
        p.pointee.name = a.cString(v.name)
        p.pointee.type = v.type.map { typeProto($0, a) }
        p.pointee.doc_string = a.cString(v.docString)
        (p.pointee.n_metadata_props, p.pointee.metadata_props) = a.messages(v.metadataProps) { pair($0, a) }
        a.unknowns(v.unknownFields, into: &p.pointee.base)
        return p
    }

    static func shape(_ s: TensorShape, _ a: CArena) -> UnsafeMutablePointer<Onnx__TensorShapeProto> {
        let p = a.alloc(Onnx__TensorShapeProto.self)
        onnx__tensor_shape_proto__init(p)
        (p.pointee.n_dim, p.pointee.dim) = a.messages(s.dims) { d in
            let q = a.alloc(Onnx__TensorShapeProto__Dimension.self)
            onnx__tensor_shape_proto__dimension__init(q)
            q.pointee.denotation = a.cString(d.denotation)
            switch d.value {
            case .value(let n)?:
                q.pointee.value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE
                q.pointee.dim_value = n
            case .param(let s)?:
                q.pointee.value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM
                q.pointee.dim_param = a.cString(s)
            case nil:
                break
            }
            return q
        }
        return p
    }

    static func typeProto(_ t: TypeProto, _ a: CArena) -> UnsafeMutablePointer<Onnx__TypeProto> {
        let p = a.alloc(Onnx__TypeProto.self)
        onnx__type_proto__init(p)
        p.pointee.denotation = a.cString(t.denotation)
        switch t.value {
        case let .tensor(elem, s)?:
            let q = a.alloc(Onnx__TypeProto__Tensor.self)
            onnx__type_proto__tensor__init(q)
            if let e = elem { q.pointee.has_elem_type = 1; q.pointee.elem_type = e }
            q.pointee.shape = s.map { shape($0, a) }
            p.pointee.value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE
            p.pointee.tensor_type = q
        case let .sequence(elem)?:
            let q = a.alloc(Onnx__TypeProto__Sequence.self)
            onnx__type_proto__sequence__init(q)
            q.pointee.elem_type = elem.map { typeProto($0, a) }
            p.pointee.value_case = ONNX__TYPE_PROTO__VALUE_SEQUENCE_TYPE
            p.pointee.sequence_type = q
        case let .map(key, value)?:
            let q = a.alloc(Onnx__TypeProto__Map.self)
            onnx__type_proto__map__init(q)
            if let k = key { q.pointee.has_key_type = 1; q.pointee.key_type = k }
            q.pointee.value_type = value.map { typeProto($0, a) }
            p.pointee.value_case = ONNX__TYPE_PROTO__VALUE_MAP_TYPE
            p.pointee.map_type = q
        case let .optional(elem)?:
            let q = a.alloc(Onnx__TypeProto__Optional.self)
            onnx__type_proto__optional__init(q)
            q.pointee.elem_type = elem.map { typeProto($0, a) }
            p.pointee.value_case = ONNX__TYPE_PROTO__VALUE_OPTIONAL_TYPE
            p.pointee.optional_type = q
        case let .sparseTensor(elem, s)?:
            let q = a.alloc(Onnx__TypeProto__SparseTensor.self)
            onnx__type_proto__sparse_tensor__init(q)
            if let e = elem { q.pointee.has_elem_type = 1; q.pointee.elem_type = e }
            q.pointee.shape = s.map { shape($0, a) }
            p.pointee.value_case = ONNX__TYPE_PROTO__VALUE_SPARSE_TENSOR_TYPE
            p.pointee.sparse_tensor_type = q
        case nil:
            break
        }
        return p
    }

    static func sparse(_ s: SparseTensor, _ a: CArena) -> UnsafeMutablePointer<Onnx__SparseTensorProto> {
        let p = a.alloc(Onnx__SparseTensorProto.self)
        onnx__sparse_tensor_proto__init(p)
        p.pointee.values = s.values.map { tensor($0, a) }
        p.pointee.indices = s.indices.map { tensor($0, a) }
        (p.pointee.n_dims, p.pointee.dims) = a.array(s.dims)
        return p
    }

    static func tensor(_ t: Tensor, _ a: CArena) -> UnsafeMutablePointer<Onnx__TensorProto> {
        let p = a.alloc(Onnx__TensorProto.self)
        onnx__tensor_proto__init(p)
        (p.pointee.n_dims, p.pointee.dims) = a.array(t.dims)
        if let d = t.dataTypeField { p.pointee.has_data_type = 1; p.pointee.data_type = d }
        if let s = t.segment {
            let q = a.alloc(Onnx__TensorProto__Segment.self)
            onnx__tensor_proto__segment__init(q)
            if let b = s.begin { q.pointee.has_begin = 1; q.pointee.begin = b }
            if let e = s.end { q.pointee.has_end = 1; q.pointee.end = e }
            p.pointee.segment = q
        }
        (p.pointee.n_float_data, p.pointee.float_data) = a.array(t.floatData)
        (p.pointee.n_int32_data, p.pointee.int32_data) = a.array(t.int32Data)
        (p.pointee.n_string_data, p.pointee.string_data) = a.array(t.stringData.map { a.binary($0) })
        (p.pointee.n_int64_data, p.pointee.int64_data) = a.array(t.int64Data)
        p.pointee.name = a.cString(t.name)
        p.pointee.doc_string = a.cString(t.docString)
        if let r = t.rawData { p.pointee.has_raw_data = 1; p.pointee.raw_data = a.binary(r) }
        (p.pointee.n_external_data, p.pointee.external_data) = a.messages(t.externalData) { pair($0, a) }
        if let l = t.dataLocation {
            p.pointee.has_data_location = 1
            p.pointee.data_location = Onnx__TensorProto__DataLocation(rawValue: UInt32(bitPattern: l.rawValue))
        } else if let u = t.unknownDataLocation {
            p.pointee.has_data_location = 1
            p.pointee.data_location = Onnx__TensorProto__DataLocation(rawValue: UInt32(bitPattern: u))
        }
        (p.pointee.n_double_data, p.pointee.double_data) = a.array(t.doubleData)
        (p.pointee.n_uint64_data, p.pointee.uint64_data) = a.array(t.uint64Data)
        (p.pointee.n_metadata_props, p.pointee.metadata_props) = a.messages(t.metadataProps) { pair($0, a) }
        a.unknowns(t.unknownFields, into: &p.pointee.base)
        return p
    }

    static func trainingInfo(_ t: TrainingInfo, _ a: CArena) -> UnsafeMutablePointer<Onnx__TrainingInfoProto> {
        let p = a.alloc(Onnx__TrainingInfoProto.self)
        onnx__training_info_proto__init(p)
        p.pointee.initialization = t.initialization.map { graph($0, a) }
        p.pointee.algorithm = t.algorithm.map { graph($0, a) }
        (p.pointee.n_initialization_binding, p.pointee.initialization_binding) = a.messages(t.initializationBinding) { pair($0, a) }
        (p.pointee.n_update_binding, p.pointee.update_binding) = a.messages(t.updateBinding) { pair($0, a) }
        return p
    }

    static func function(_ f: Function, _ a: CArena) -> UnsafeMutablePointer<Onnx__FunctionProto> {
        let p = a.alloc(Onnx__FunctionProto.self)
        onnx__function_proto__init(p)
        p.pointee.name = a.cString(f.name)
        (p.pointee.n_input, p.pointee.input) = a.cStrings(f.inputs)
        (p.pointee.n_output, p.pointee.output) = a.cStrings(f.outputs)
        (p.pointee.n_attribute, p.pointee.attribute) = a.cStrings(f.attributeNames)
        (p.pointee.n_attribute_proto, p.pointee.attribute_proto) = a.messages(f.attributeProtos) { attribute($0, a) }
        (p.pointee.n_node, p.pointee.node) = a.messages(f.nodes) { node($0, a) }
        p.pointee.doc_string = a.cString(f.docString)
        (p.pointee.n_opset_import, p.pointee.opset_import) = a.messages(f.opsetImports) { opset($0, a) }
        p.pointee.domain = a.cString(f.domain)
        p.pointee.overload = a.cString(f.overload)
        (p.pointee.n_value_info, p.pointee.value_info) = a.messages(f.valueInfo) { valueInfo($0, a) }
        (p.pointee.n_metadata_props, p.pointee.metadata_props) = a.messages(f.metadataProps) { pair($0, a) }
        return p
    }
}
