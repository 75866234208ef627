import ONNXIO

/// One shape rule per ONNX operator, registered by name: output shapes (and, for small
/// integer tensors, output values) from input shapes, known values and attributes.
enum ShapeRules {
    struct Failure: Error { var message: String }
    typealias Rule = @Sendable (inout RuleContext) throws -> Void

    static func apply(_ n: Node, _ state: inout ShapeState) throws {
        let op = n.opType ?? ""
        guard (n.domain ?? "").isEmpty || n.domain == "ai.onnx" else { throw Failure(message: "operator domain '\(n.domain!)' has no shape rule") }
        guard let rule = table[op] else { throw Failure(message: "no static shape rule for this operator") }
        var ctx = RuleContext(node: n, state: state)
        try rule(&ctx)
        state = ctx.state
    }

    static let table: [String: Rule] = {
        var t: [String: Rule] = [:]
        for op in unary { t[op] = { try $0.output(0, $0.shape(0)) } }
        for op in binary { t[op] = elementwise }
        for op in ["Identity", "Cast", "CastLike"] { t[op] = passThrough }
        t["Dropout"] = { try $0.output(0, $0.shape(0)); if $0.node.outputs.count > 1 { try $0.output(1, $0.shape(0)) } }
        t["BatchNormalization"] = { try $0.output(0, $0.shape(0)) }
        t["LayerNormalization"] = layerNormalization
        t["Gemm"] = gemm
        t["MatMul"] = matMul
        registerTensorRules(&t)
        registerSpatialRules(&t)
        return t
    }()

    /// Operators whose output has the shape of their first input.
    static let unary = ["Relu", "Sigmoid", "Tanh", "Abs", "Neg", "Exp", "Log", "Sqrt", "Reciprocal", "Erf", "Gelu",
                        "HardSigmoid", "HardSwish", "LeakyRelu", "Elu", "Selu", "Softplus", "Softsign", "Softmax",
                        "LogSoftmax", "Clip", "Not", "Floor", "Ceil", "Round", "Sign", "Sin", "Cos", "Mish",
                        "InstanceNormalization", "LRN", "IsNaN", "IsInf", "Celu", "ThresholdedRelu", "Shrink"]
    /// Operators that broadcast all their inputs.
    static let binary = ["Add", "Sub", "Mul", "Div", "Pow", "Equal", "Greater", "Less", "GreaterOrEqual",
                         "LessOrEqual", "And", "Or", "Xor", "Max", "Min", "Mod", "PRelu", "Where", "Sum", "Mean", "BitShift"]

    static func passThrough(_ c: inout RuleContext) throws {
        try c.output(0, c.shape(0))
        if c.node.op == "Cast", let to = c.node.attrInt("to"), DataType(rawValue: Int32(to)).isFloatingPoint { return }
        if let v = c.value(0) { c.setValue(0, v) }
    }

    static func elementwise(_ c: inout RuleContext) throws {
        var out: [Int] = []
        for i in c.node.inputs.indices where !c.node.inputs[i].isEmpty {
            guard let b = broadcastShape(out, try c.shape(i)) else {
                throw Failure(message: "shapes \(out) and \(try c.shape(i)) do not broadcast")
            }
            out = b
        }
        try c.output(0, out)
        // Integer arithmetic on known values (shape computations of exporters).
        guard c.node.inputs.count == 2, let a = c.value(0), let b = c.value(1),
              let sa = try? c.shape(0), let sb = try? c.shape(1) else { return }
        let f: ((Int64, Int64) -> Int64)?
        switch c.node.op {
        case "Add": f = { $0 &+ $1 }
        case "Sub": f = { $0 &- $1 }
        case "Mul": f = { $0 &* $1 }
        case "Div": f = { $1 == 0 ? 0 : $0 / $1 }
        case "Equal": f = { $0 == $1 ? 1 : 0 }
        default: f = nil
        }
        if let f, let (v, _) = broadcastMap(a, sa, b, sb, f) { c.setValue(0, v) }
    }

    static func layerNormalization(_ c: inout RuleContext) throws {
        let x = try c.shape(0)
        try c.output(0, x)
        let axis = try c.axis(c.node.attrInt("axis") ?? -1, rank: x.count)
        let reduced = x.enumerated().map { $0.offset < axis ? $0.element : 1 }
        for i in 1..<max(1, c.node.outputs.count) { try c.output(i, reduced) }
    }

    static func gemm(_ c: inout RuleContext) throws {
        let a = try c.shape(0), b = try c.shape(1)
        guard a.count == 2, b.count == 2 else { throw Failure(message: "A \(a) and B \(b) must be matrices") }
        let m = c.node.attrInt("transA") == 1 ? a[1] : a[0]
        let n = c.node.attrInt("transB") == 1 ? b[0] : b[1]
        try c.output(0, [m, n])
    }

    static func matMul(_ c: inout RuleContext) throws {
        var a = try c.shape(0), b = try c.shape(1)
        guard !a.isEmpty, !b.isEmpty else { throw Failure(message: "MatMul of a scalar") }
        let vectorA = a.count == 1, vectorB = b.count == 1
        if vectorA { a = [1] + a }
        if vectorB { b = b + [1] }
        guard a[a.count - 1] == b[b.count - 2] else { throw Failure(message: "inner dimensions of \(a) and \(b) differ") }
        guard let batch = broadcastShape(Array(a.dropLast(2)), Array(b.dropLast(2))) else {
            throw Failure(message: "batch dimensions of \(a) and \(b) do not broadcast")
        }
        var out = batch
        if !vectorA { out.append(a[a.count - 2]) }
        if !vectorB { out.append(b[b.count - 1]) }
        try c.output(0, out)
    }
}

/// One node's view of the shapes and values found so far.
struct RuleContext {
    let node: Node
    var state: ShapeState

    func shape(_ i: Int) throws -> [Int] {
        guard i < node.inputs.count, !node.inputs[i].isEmpty else { throw ShapeRules.Failure(message: "input \(i) is missing") }
        guard let s = state.shapes[node.inputs[i]] else {
            throw ShapeRules.Failure(message: "input '\(node.inputs[i])' has no known shape")
        }
        return s
    }

    func hasInput(_ i: Int) -> Bool { i < node.inputs.count && !node.inputs[i].isEmpty }

    func value(_ i: Int) -> [Int64]? { hasInput(i) ? state.values[node.inputs[i]] : nil }

    /// The values of input `i`, required (a shape that depends on data is an error).
    func requiredValue(_ i: Int, _ what: String) throws -> [Int64] {
        guard let v = value(i) else { throw ShapeRules.Failure(message: "\(what) (input \(i)) is not a constant") }
        return v
    }

    mutating func output(_ i: Int, _ shape: [Int]) throws {
        guard i < node.outputs.count else { return }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw ShapeRules.Failure(message: "output shape \(shape) is negative") }
        if !node.outputs[i].isEmpty { state.shapes[node.outputs[i]] = shape }
    }

    mutating func setValue(_ i: Int, _ v: [Int64]) {
        guard i < node.outputs.count, !node.outputs[i].isEmpty, v.count <= ShapeInference.valueLimit else { return }
        state.values[node.outputs[i]] = v
    }

    func axis(_ a: Int, rank: Int) throws -> Int {
        let r = a < 0 ? a + rank : a
        guard r >= 0, r < max(rank, 1) else { throw ShapeRules.Failure(message: "axis \(a) is out of range for rank \(rank)") }
        return r
    }
}

extension Node {
    func attrInt(_ name: String) -> Int? { attribute(name)?.i.map { Int($0) } }
    func attrInts(_ name: String) -> [Int]? { attribute(name).map { $0.ints.map { Int($0) } } }
    func attrString(_ name: String) -> String? { attribute(name)?.s.map { String(decoding: $0, as: UTF8.self) } }
    var op: String { opType ?? "" }
}
