import ONNXIO

/// What a kernel sees of the node it runs: attributes, inputs, opset.
struct NodeContext {
    let node: Node
    let name: String
    let op: String
    /// Inputs in order; nil for an omitted optional input ("").
    let inputs: [NDArray?]
    let opset: Int
    let options: Session.Options
    /// Where the kernel may keep data derived from unmodified initializer inputs.
    var cache: FoldCache? = nil
    /// The session's reusable activation buffers (nil: allocate fresh).
    var pool: ActivationPool? = nil

    /// A new output of `count` floats written entirely by `body`, from the pool when one fits.
    func outputFloats(_ count: Int, _ body: (UnsafeMutablePointer<Float>) -> Void) -> [Float] {
        newFloats(pool, count, body)
    }

    func fail(_ message: String) -> RuntimeError {
        .invalidNode(node: name, op: op, message: message)
    }

    var inputCount: Int { inputs.count }
    /// Number of outputs the node declares (trailing empty names dropped).
    var outputCount: Int {
        var n = node.outputs.count
        while n > 0 && node.outputs[n - 1].isEmpty { n -= 1 }
        return n
    }

    func input(_ i: Int) throws -> NDArray {
        guard i < inputs.count, let v = inputs[i] else { throw fail("input \(i) is required") }
        return v
    }

    func optionalInput(_ i: Int) -> NDArray? {
        i < inputs.count ? inputs[i] : nil
    }

    func floats(_ i: Int) throws -> [Float] {
        let v = try input(i)
        guard case .float(let f) = v.storage else { throw fail("input \(i) must be float, got \(v.elementType)") }
        return f
    }

    func has(_ attr: String) -> Bool { node.attribute(attr) != nil }

    func int(_ attr: String, _ def: Int) -> Int {
        node.attribute(attr)?.i.map { Int($0) } ?? def
    }

    func float(_ attr: String, _ def: Float) -> Float {
        node.attribute(attr)?.f ?? def
    }

    func ints(_ attr: String) -> [Int]? {
        guard let a = node.attribute(attr) else { return nil }
        return a.ints.map { Int($0) }
    }

    func string(_ attr: String, _ def: String) -> String {
        node.attribute(attr)?.stringValue ?? def
    }

    /// An axis attribute/value normalised to 0..<rank.
    func axis(_ a: Int, rank: Int) throws -> Int {
        let r = a < 0 ? a + rank : a
        guard r >= 0 && r < max(rank, 1) else { throw fail("axis \(a) out of range for rank \(rank)") }
        return r
    }
}

typealias Kernel = @Sendable (NodeContext) throws -> [NDArray]

/// Operators of the default ONNX domain this engine runs.
enum Registry {
    static let kernels: [String: Kernel] = {
        var k: [String: Kernel] = [:]
        registerElementwise(&k)
        registerLinear(&k)
        registerConv(&k)
        registerPool(&k)
        registerNormalization(&k)
        registerReduce(&k)
        registerShapeOps(&k)
        registerIndexing(&k)
        registerGenerators(&k)
        registerMath(&k)
        registerOrdering(&k)
        registerLosses(&k)
        registerResize(&k)
        registerQuantization(&k)
        registerPoolND(&k)
        registerEinsum(&k)
        registerMoreNormalization(&k)
        registerRecurrent(&k)
        registerControlFlow(&k)
        registerGridSample(&k)
        registerDeformConv(&k)
        registerGeometry(&k)
        registerDetection(&k)
        registerSpectral(&k)
        registerTfIdf(&k)
        return k
    }()

    /// Kernels that need their node's declared ONNX element types.
    static let typed: [String: @Sendable (NodeTypes) -> Kernel] = {
        var k: [String: @Sendable (NodeTypes) -> Kernel] = [:]
        registerTypedMath(&k)
        registerTypedQuantization(&k)
        return k
    }()
}
