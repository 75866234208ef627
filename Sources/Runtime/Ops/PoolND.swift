#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Pooling over any number of spatial axes, with every attribute (auto_pad, pads, strides,
// dilations, ceil_mode, count_include_pad, storage_order): LpPool, and MaxPool/AveragePool
// where the fast 1-D/2-D kernels of Pool.swift do not apply (3-D and more, integer input,
// MaxPool's Indices output).

private struct PoolGeometry {
    var input: [Int], kernel: [Int], stride: [Int], dilation: [Int], padBegin: [Int], padEnd: [Int], output: [Int]
}

private func poolGeometry(_ ctx: NodeContext, spatial input: [Int]) throws -> PoolGeometry {
    guard let kernel = ctx.ints("kernel_shape"), kernel.count == input.count else {
        throw ctx.fail("kernel_shape must give \(input.count) sizes")
    }
    let k = kernel.count
    let stride = ctx.ints("strides") ?? [Int](repeating: 1, count: k)
    let dil = ctx.ints("dilations") ?? [Int](repeating: 1, count: k)
    var pads = ctx.ints("pads") ?? [Int](repeating: 0, count: 2 * k)
    guard stride.count == k, dil.count == k, pads.count == 2 * k else { throw ctx.fail("strides, dilations and pads must match kernel_shape") }
    let autoPad = ctx.string("auto_pad", "NOTSET")
    let ceil = ctx.int("ceil_mode", 0) != 0
    var out = [Int](repeating: 0, count: k)
    for d in 0..<k {
        let span = (kernel[d] - 1) * dil[d] + 1
        switch autoPad {
        case "SAME_UPPER", "SAME_LOWER":
            out[d] = (input[d] + stride[d] - 1) / stride[d]
            let total = max(0, (out[d] - 1) * stride[d] + span - input[d])
            pads[d] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2
            pads[d + k] = total - pads[d]
        case "VALID":
            out[d] = (input[d] - span) / stride[d] + 1
            pads[d] = 0; pads[d + k] = 0
        default:
            let room = input[d] + pads[d] + pads[d + k] - span
            out[d] = (ceil ? (room + stride[d] - 1) / stride[d] : room / stride[d]) + 1
            if ceil && (out[d] - 1) * stride[d] >= input[d] + pads[d] { out[d] -= 1 }
        }
        guard out[d] >= 0 else { throw ctx.fail("kernel \(kernel) does not fit input \(input)") }
    }
    return PoolGeometry(input: input, kernel: kernel, stride: stride, dilation: dil,
                        padBegin: Array(pads[..<k]), padEnd: Array(pads[k...]), output: out)
}

private enum PoolKind { case max, average, lp(Float) }

private func poolND(_ ctx: NodeContext, _ kind: PoolKind) throws -> [NDArray] {
    let x = try ctx.input(0)
    guard x.rank >= 3 else { throw ctx.fail("input must be N×C×spatial, got \(x.shape)") }
    let g = try poolGeometry(ctx, spatial: Array(x.shape.dropFirst(2)))
    let planes = x.shape[0] * x.shape[1], k = g.kernel.count
    let inPlane = g.input.reduce(1, *), outPlane = g.output.reduce(1, *), taps = g.kernel.reduce(1, *)
    let inStrides = contiguousStrides(g.input)
    let includePad = ctx.int("count_include_pad", 0) != 0
    let columnMajor = ctx.int("storage_order", 0) != 0
    let v = x.floats
    var out = [Float](repeating: 0, count: planes * outPlane)
    var arg = [Int64](repeating: 0, count: planes * outPlane)
    var o = [Int](repeating: 0, count: k), kpos = [Int](repeating: 0, count: k)
    for op in 0..<outPlane {
        var r = op
        for d in stride(from: k - 1, through: 0, by: -1) { o[d] = r % g.output[d]; r /= g.output[d] }
        // Input positions of the window (nil: padding inside the padded extent; skipped: beyond it).
        var positions: [Int] = [], padded = 0
        for t in 0..<taps {
            var q = t
            for d in stride(from: k - 1, through: 0, by: -1) { kpos[d] = q % g.kernel[d]; q /= g.kernel[d] }
            var p = 0, inside = true, inPadded = true
            for d in 0..<k {
                let i = o[d] * g.stride[d] + kpos[d] * g.dilation[d] - g.padBegin[d]
                if i < 0 || i >= g.input[d] { inside = false }
                if i < -g.padBegin[d] || i >= g.input[d] + g.padEnd[d] { inPadded = false }
                p += i * inStrides[d]
            }
            if inside { positions.append(p) } else if inPadded { padded += 1 }
        }
        for plane in 0..<planes {
            let base = plane * inPlane
            var acc: Float
            switch kind {
            case .max:
                acc = -.infinity
                var best = -1
                for p in positions where v[base + p] > acc || best < 0 { acc = v[base + p]; best = p }
                if best >= 0 {
                    var idx = best
                    if columnMajor {
                        idx = 0
                        var mult = 1
                        for d in 0..<k { idx += ((best / inStrides[d]) % g.input[d]) * mult; mult *= g.input[d] }
                    }
                    arg[plane * outPlane + op] = Int64(base + idx)
                }
            case .average:
                acc = positions.reduce(0) { $0 + v[base + $1] }
                let n = positions.count + (includePad ? padded : 0)
                acc = n == 0 ? 0 : acc / Float(n)
            case .lp(let pw):
                acc = powf(positions.reduce(0) { $0 + powf(abs(v[base + $1]), pw) }, 1 / pw)
            }
            out[plane * outPlane + op] = acc
        }
    }
    let shape = Array(x.shape.prefix(2)) + g.output
    let y = NDArray(shape: shape, floats: out)
    return [x.elementType == .float32 ? y : y.cast(to: x.elementType), NDArray(shape: shape, int64s: arg)]
}

/// MaxUnpool: values scattered to their MaxPool indices in a zero array.
private func maxUnpool(_ ctx: NodeContext) throws -> [NDArray] {
    let x = try ctx.input(0), idx = try ctx.input(1).int64s
    var shape: [Int]
    if let s = ctx.optionalInput(2) {
        shape = s.int64s.map { Int($0) }
    } else {
        guard let kernel = ctx.ints("kernel_shape"), kernel.count == x.rank - 2 else { throw ctx.fail("kernel_shape must give \(x.rank - 2) sizes") }
        let k = kernel.count
        let strides = ctx.ints("strides") ?? [Int](repeating: 1, count: k)
        let pads = ctx.ints("pads") ?? [Int](repeating: 0, count: 2 * k)
        shape = Array(x.shape.prefix(2)) + (0..<k).map { d in (x.shape[d + 2] - 1) * strides[d] + kernel[d] - pads[d] - pads[d + k] }
    }
    var out = [Float](repeating: 0, count: shape.reduce(1, *))
    for (v, i) in zip(x.floats, idx) {
        guard i >= 0 && Int(i) < out.count else { throw ctx.fail("index \(i) outside the output of \(out.count) elements") }
        out[Int(i)] = v
    }
    return [NDArray(shape: shape, floats: out).cast(to: x.elementType)]
}

/// Registered after registerPool: LpPool, and the general fallback for MaxPool/AveragePool.
func registerPoolND(_ k: inout [String: Kernel]) {
    k["MaxUnpool"] = { ctx in try maxUnpool(ctx) }
    k["LpPool"] = { ctx in [try poolND(ctx, .lp(Float(ctx.int("p", 2))))[0]] }
    for (op, kind) in [("MaxPool", PoolKind.max), ("AveragePool", .average)] {
        guard let fast = k[op] else { continue }
        k[op] = { ctx in
            let x = try ctx.input(0)
            if x.rank > 4 || x.elementType != .float32 || ctx.outputCount > 1 {
                let r = try poolND(ctx, kind)
                return ctx.outputCount > 1 ? r : [r[0]]
            }
            return try fast(ctx)
        }
    }
}
