import ONNXIO

/// The ONNX element types of one node's inputs and outputs (nil: not known).
///
/// The engine computes in three element types (float32, int64, bool); kernels whose result
/// depends on the declared ONNX type (QuantizeLinear's range, BitShift on uint8, casts to
/// float8) receive these.
struct NodeTypes: Sendable {
    var inputs: [DataType?]
    var outputs: [DataType?]
    func input(_ i: Int) -> DataType? { i < inputs.count ? inputs[i] : nil }
    func output(_ i: Int) -> DataType? { i < outputs.count ? outputs[i] : nil }
}

/// Declared element types of a graph's values: initializers, inputs, outputs and
/// value_info as stated, everything else propagated through the nodes by each operator's
/// type rule.
enum ValueTypes {
    static func infer(_ graph: Graph, outer: [String: DataType] = [:]) -> [String: DataType] {
        var t = outer
        for i in graph.initializers { if let n = i.name { t[n] = i.dataType } }
        for v in graph.inputs + graph.valueInfo + graph.outputs {
            if let n = v.name, let e = v.type?.tensorType?.elemType { t[n] = e }
        }
        let declared = t
        for n in graph.nodes {
            let ins = n.inputs.map { $0.isEmpty ? nil : t[$0] }
            let outs = outputTypes(n, ins)
            for (j, o) in n.outputs.enumerated() where !o.isEmpty && declared[o] == nil {
                if j < outs.count, let d = outs[j] { t[o] = d }
            }
        }
        return t
    }

    static func node(_ n: Node, _ t: [String: DataType]) -> NodeTypes {
        NodeTypes(inputs: n.inputs.map { $0.isEmpty ? nil : t[$0] },
                  outputs: n.outputs.map { $0.isEmpty ? nil : t[$0] })
    }

    /// The operator's output element types from its input types.
    static func outputTypes(_ n: Node, _ ins: [DataType?]) -> [DataType?] {
        func at(_ i: Int) -> DataType? { i < ins.count ? ins[i] : nil }
        let count = max(n.outputs.count, 1)
        func all(_ d: DataType?) -> [DataType?] { [DataType?](repeating: d, count: count) }
        func attrType(_ name: String) -> DataType? {
            n.attribute(name)?.i.flatMap { $0 == 0 ? nil : DataType(rawValue: Int32($0)) }
        }
        switch n.opType ?? "" {
        case "Cast": return all(attrType("to"))
        case "CastLike": return all(at(1))
        case "QuantizeLinear": return all(attrType("output_dtype") ?? at(2) ?? .uint8)
        case "DequantizeLinear": return all(attrType("output_dtype") ?? at(1) ?? .float)
        case "DynamicQuantizeLinear": return [.uint8, .float, .uint8]
        case "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "IsNaN", "IsInf", "Not", "And", "Or", "Xor":
            return all(.bool)
        case "Shape", "Size", "NonZero", "ArgMax", "ArgMin": return all(.int64)
        case "TopK": return [at(0), .int64]
        case "Unique": return [at(0), .int64, .int64, .int64]
        case "MatMulInteger", "ConvInteger": return all(.int32)
        case "QLinearMatMul", "QLinearConv": return all(at(7) ?? .uint8)
        case "ConstantOfShape", "Constant":
            return all(n.attribute("value")?.t?.dataType ?? (n.opType == "Constant" ? nil : .float))
        case "EyeLike", "RandomNormalLike", "RandomUniformLike": return all(attrType("dtype") ?? at(0))
        case "OneHot": return all(at(2))
        case "Dropout": return [at(0), .bool]
        case "If", "Loop", "Scan": return all(nil)
        default: return all(ins.first { $0 != nil } ?? nil)
        }
    }
}

extension DataType {
    /// Integer types narrower than int64: results are wrapped to their range.
    var narrowIntegerBits: (bits: Int, signed: Bool)? {
        switch self {
        case .int8: return (8, true)
        case .uint8: return (8, false)
        case .int16: return (16, true)
        case .uint16: return (16, false)
        case .int32: return (32, true)
        case .uint32: return (32, false)
        default: return nil
        }
    }
}

/// `v` wrapped to a `bits`-wide (un)signed integer, as a C cast would.
func wrapInteger(_ v: Int64, bits: Int, signed: Bool) -> Int64 {
    let shift = Int64(64 - bits)
    return signed ? (v << shift) >> shift : Int64(UInt64(bitPattern: v << shift) >> UInt64(shift))
}

extension Registry {
    /// The kernel for `op` given its node's declared types: a typed kernel where one exists,
    /// and integer results wrapped to a narrower declared output type.
    static func kernel(_ op: String, _ types: NodeTypes) -> Kernel? {
        guard let k = typed[op].map({ $0(types) }) ?? kernels[op] else { return nil }
        let narrow = types.outputs.map { $0?.narrowIntegerBits }
        guard narrow.contains(where: { $0 != nil }), !["Cast", "Shape", "Size"].contains(op) else { return k }
        return { ctx in
            var r = try k(ctx)
            for (j, w) in narrow.enumerated() where j < r.count {
                guard let w, case .int64(let v) = r[j].storage else { continue }
                r[j].storage = .int64(v.map { wrapInteger($0, bits: w.bits, signed: w.signed) })
            }
            return r
        }
    }
}
