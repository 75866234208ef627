/// Shape arithmetic and strided copies shared by the kernels.

/// Row-major strides of `shape`.
package func contiguousStrides(_ shape: [Int]) -> [Int] {
    var s = [Int](repeating: 1, count: shape.count)
    var acc = 1
    for d in stride(from: shape.count - 1, through: 0, by: -1) {
        s[d] = acc
        acc *= shape[d]
    }
    return s
}

/// Multidirectional (numpy) broadcast of shapes; nil if incompatible.
package func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
    let n = max(a.count, b.count)
    var out = [Int](repeating: 1, count: n)
    for i in 0..<n {
        let x = i < n - a.count ? 1 : a[i - (n - a.count)]
        let y = i < n - b.count ? 1 : b[i - (n - b.count)]
        if x == y || y == 1 { out[i] = x } else if x == 1 { out[i] = y } else { return nil }
    }
    return out
}

/// Strides to read an array of `shape` as if broadcast to `out` (0 on broadcast dims).
package func broadcastStrides(_ shape: [Int], to out: [Int]) -> [Int] {
    let s = contiguousStrides(shape)
    let off = out.count - shape.count
    var r = [Int](repeating: 0, count: out.count)
    for i in 0..<shape.count where shape[i] != 1 || out[i + off] == 1 {
        r[i + off] = shape[i] == 1 ? 0 : s[i]
    }
    return r
}

/// Gathers `data` (viewed through `strides` with element offset `base`) into a
/// contiguous array of `shape`.
package func stridedCopy<T>(_ data: [T], shape: [Int], strides: [Int], base: Int = 0) -> [T] {
    let total = shape.reduce(1, *)
    if total == 0 { return [] }
    let r = shape.count
    if r == 0 { return [data[base]] }
    return [T](unsafeUninitializedCapacity: total) { out, initialized in
        data.withUnsafeBufferPointer { src in
            let inner = shape[r - 1]
            let istride = strides[r - 1]
            var idx = [Int](repeating: 0, count: r)
            var off = base
            var o = 0
            while o < total {
                if istride == 1 {
                    for j in 0..<inner { (out.baseAddress! + o + j).initialize(to: src[off + j]) }
                } else {
                    var p = off
                    for j in 0..<inner { (out.baseAddress! + o + j).initialize(to: src[p]); p += istride }
                }
                o += inner
                // Odometer over the outer dims.
                var d = r - 2
                while d >= 0 {
                    idx[d] += 1
                    off += strides[d]
                    if idx[d] < shape[d] { break }
                    off -= strides[d] * shape[d]
                    idx[d] = 0
                    d -= 1
                }
            }
            initialized = total
        }
    }
}

/// `data` of `shape` broadcast to `out` (returns `data` itself when nothing changes).
package func broadcastTo<T>(_ data: [T], _ shape: [Int], _ out: [Int]) -> [T] {
    if shape == out { return data }
    if data.count == 1 { return [T](repeating: data[0], count: out.reduce(1, *)) }
    return stridedCopy(data, shape: out, strides: broadcastStrides(shape, to: out))
}

/// Elementwise `f` over two broadcast arrays.
@inline(__always)
package func broadcastMap<T, R>(_ a: [T], _ ash: [Int], _ b: [T], _ bsh: [Int], _ f: (T, T) -> R) -> ([R], [Int])? {
    guard let out = broadcastShape(ash, bsh) else { return nil }
    let n = out.reduce(1, *)
    if a.count == n && b.count == n {
        return ([R](unsafeUninitializedCapacity: n) { buf, c in
            a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in
                for i in 0..<n { (buf.baseAddress! + i).initialize(to: f(x[i], y[i])) }
            } }
            c = n
        }, out)
    }
    if b.count == 1 && a.count == n {
        let y = b[0]
        return ([R](unsafeUninitializedCapacity: n) { buf, c in
            a.withUnsafeBufferPointer { x in
                for i in 0..<n { (buf.baseAddress! + i).initialize(to: f(x[i], y)) }
            }
            c = n
        }, out)
    }
    if a.count == 1 && b.count == n {
        let x = a[0]
        return ([R](unsafeUninitializedCapacity: n) { buf, c in
            b.withUnsafeBufferPointer { y in
                for i in 0..<n { (buf.baseAddress! + i).initialize(to: f(x, y[i])) }
            }
            c = n
        }, out)
    }
    // Trailing-block broadcast: one side repeats over an outer block (e.g. bias [C] on [N, C]).
    let aa = broadcastTo(a, ash, out)
    let bb = broadcastTo(b, bsh, out)
    return ([R](unsafeUninitializedCapacity: n) { buf, c in
        aa.withUnsafeBufferPointer { x in bb.withUnsafeBufferPointer { y in
            for i in 0..<n { (buf.baseAddress! + i).initialize(to: f(x[i], y[i])) }
        } }
        c = n
    }, out)
}

/// Transposes `data` of `shape` by `perm`.
package func transposed<T>(_ data: [T], _ shape: [Int], _ perm: [Int]) -> ([T], [Int]) {
    let s = contiguousStrides(shape)
    let outShape = perm.map { shape[$0] }
    let strides = perm.map { s[$0] }
    return (stridedCopy(data, shape: outShape, strides: strides), outShape)
}
