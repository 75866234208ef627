import ONNXIO

/// A float tensor in row-major order, the form the passes edit weights in.
///
/// Slicing keeps the order of the kept indices; every edit is exact (no arithmetic).
struct DenseTensor: Equatable {
    var dims: [Int]
    var values: [Float]

    init(dims: [Int], values: [Float]) {
        precondition(dims.reduce(1, *) == values.count, "DenseTensor: \(dims) needs \(dims.reduce(1, *)) values, got \(values.count)")
        self.dims = dims
        self.values = values
    }

    init(_ t: Tensor) throws {
        self.init(dims: t.dims.map { Int($0) }, values: try t.floatValues())
    }

    init(zeros dims: [Int]) {
        self.init(dims: dims, values: [Float](repeating: 0, count: dims.reduce(1, *)))
    }

    var count: Int { values.count }

    /// (outer, size, inner) strides of `axis`.
    func split(_ axis: Int) -> (outer: Int, size: Int, inner: Int) {
        (dims[..<axis].reduce(1, *), dims[axis], dims[(axis + 1)...].reduce(1, *))
    }

    /// Only the indices `keep` (ascending) along `axis`.
    func keeping(_ keep: [Int], axis: Int) -> DenseTensor {
        let (outer, size, inner) = split(axis)
        var out: [Float] = []
        out.reserveCapacity(outer * keep.count * inner)
        for o in 0..<outer {
            for k in keep {
                let base = (o * size + k) * inner
                out.append(contentsOf: values[base..<(base + inner)])
            }
        }
        var d = dims
        d[axis] = keep.count
        return DenseTensor(dims: d, values: out)
    }

    /// Drops the indices `removed` along `axis`.
    func removing(_ removed: Set<Int>, axis: Int) -> DenseTensor {
        keeping((0..<dims[axis]).filter { !removed.contains($0) }, axis: axis)
    }

    /// Calls `body(flatIndex)` for every element whose index along `axis` is `k`.
    func forEach(axis: Int, index k: Int, _ body: (Int) -> Void) {
        let (outer, size, inner) = split(axis)
        for o in 0..<outer {
            let base = (o * size + k) * inner
            for i in base..<(base + inner) { body(i) }
        }
    }

    /// The elements at index `k` of `axis`.
    func slice(axis: Int, index k: Int) -> [Float] {
        var r: [Float] = []
        forEach(axis: axis, index: k) { r.append(values[$0]) }
        return r
    }

    func isZero(axis: Int, index k: Int) -> Bool {
        var zero = true
        forEach(axis: axis, index: k) { if values[$0] != 0 { zero = false } }
        return zero
    }

    mutating func zero(axis: Int, index k: Int) {
        let (outer, size, inner) = split(axis)
        for o in 0..<outer {
            let base = (o * size + k) * inner
            for i in base..<(base + inner) { values[i] = 0 }
        }
    }

    mutating func scale(axis: Int, index k: Int, by s: Float) {
        let (outer, size, inner) = split(axis)
        for o in 0..<outer {
            let base = (o * size + k) * inner
            for i in base..<(base + inner) { values[i] *= s }
        }
    }
}

/// Initializer lookups and in-place updates that keep each tensor's name and dtype.
struct InitializerTable {
    private(set) var graph: Graph
    private var index: [String: Int] = [:]

    init(_ graph: Graph) {
        self.graph = graph
        for (i, t) in graph.initializers.enumerated() { if let n = t.name { index[n] = i } }
    }

    func contains(_ name: String) -> Bool { !name.isEmpty && index[name] != nil }

    func tensor(_ name: String) -> Tensor? { index[name].map { graph.initializers[$0] } }

    func dense(_ name: String) throws -> DenseTensor? {
        guard let t = tensor(name), t.dataType.isFloatingPoint else { return nil }
        return try DenseTensor(t)
    }

    /// Replaces the values (and dims) of initializer `name`, keeping its dtype.
    mutating func set(_ name: String, _ d: DenseTensor) throws {
        guard let i = index[name] else { return }
        var t = graph.initializers[i]
        t.dims = d.dims.map { Int64($0) }
        if t.isExternal { t.externalData = []; t.dataLocation = nil }
        try t.setFloatValues(d.values)
        graph.initializers[i] = t
    }

    /// Adds a float initializer of the dtype `like` has (float32 without it).
    mutating func add(_ name: String, _ d: DenseTensor, like: Tensor? = nil) throws {
        var t = Tensor(name: name, dataType: like?.dataType ?? .float, dims: d.dims.map { Int64($0) })
        try t.setFloatValues(d.values)
        index[name] = graph.initializers.count
        graph.initializers.append(t)
    }

    mutating func setInt64s(_ name: String, _ v: [Int64]) {
        guard let i = index[name] else { return }
        var t = graph.initializers[i]
        t.clearTypedFields()
        t.dataType = .int64
        t.dims = [Int64(v.count)]
        if t.isExternal { t.externalData = []; t.dataLocation = nil }
        t.rawData = TensorBytes(elements: v)
        graph.initializers[i] = t
    }

    /// A name not yet used by any initializer or value.
    func fresh(_ base: String, avoiding used: Set<String>) -> String {
        var n = base
        var k = 1
        while index[n] != nil || used.contains(n) { n = "\(base)_\(k)"; k += 1 }
        return n
    }
}

extension DataType {
    var isFloatingPoint: Bool { self == .float || self == .double || self == .float16 || self == .bfloat16 }
}

extension Node {
    func int(_ name: String, _ def: Int) -> Int { attribute(name)?.i.map { Int($0) } ?? def }
    func float(_ name: String, _ def: Float) -> Float { attribute(name)?.f ?? def }
    func ints(_ name: String) -> [Int]? { attribute(name).map { $0.ints.map { Int($0) } } }
    var op: String { opType ?? "" }

    mutating func setAttribute(_ a: Attribute) {
        if let i = attributes.firstIndex(where: { $0.name == a.name }) { attributes[i] = a } else { attributes.append(a) }
    }
}
