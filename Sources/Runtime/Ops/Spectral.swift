import ONNXIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// DFT and STFT (direct O(n²) transforms in double precision; real or complex input as a
// trailing axis of 1 or 2).

/// The DFT of `n` complex samples (re, im) of length `len` (zero-padded or truncated),
/// keeping `bins` outputs.
private func transform(_ re: [Double], _ im: [Double], len: Int, bins: Int, inverse: Bool) -> ([Double], [Double]) {
    var outRe = [Double](repeating: 0, count: bins), outIm = outRe
    let sign = inverse ? 1.0 : -1.0
    for kk in 0..<bins {
        var sr = 0.0, si = 0.0
        for t in 0..<min(len, re.count) {
            let a = sign * 2 * .pi * Double(kk * t % len) / Double(len)
            let c = cos(a), s = sin(a)
            sr += re[t] * c - im[t] * s
            si += re[t] * s + im[t] * c
        }
        outRe[kk] = inverse ? sr / Double(len) : sr
        outIm[kk] = inverse ? si / Double(len) : si
    }
    return (outRe, outIm)
}

private func dft(_ ctx: NodeContext) throws -> [NDArray] {
    let x = try ctx.input(0)
    guard x.rank >= 3, let last = x.shape.last, last == 1 || last == 2 else { throw ctx.fail("input must end in a real (1) or complex (2) axis, got \(x.shape)") }
    let axisValue = ctx.opset >= 20 ? Int(ctx.optionalInput(2)?.int64s.first ?? -2) : ctx.int("axis", 1)
    let axis = try ctx.axis(axisValue, rank: x.rank)
    guard axis != x.rank - 1 else { throw ctx.fail("axis cannot be the complex axis") }
    let n = x.shape[axis]
    let len = Int(ctx.optionalInput(1)?.int64s.first ?? Int64(n))
    let inverse = ctx.int("inverse", 0) != 0, onesided = ctx.int("onesided", 0) != 0
    let bins = onesided ? len / 2 + 1 : len
    var shape = x.shape
    shape[axis] = bins
    shape[shape.count - 1] = 2
    let view = AxisView(Array(x.shape.dropLast()), axis)
    let v = x.floats
    var out = [Float](repeating: 0, count: shape.reduce(1, *))
    let outView = AxisView(Array(shape.dropLast()), axis)
    for o in 0..<view.outer {
        for i in 0..<view.inner {
            let re = (0..<n).map { Double(v[view.at(o, $0, i) * last]) }
            let im = (0..<n).map { last == 2 ? Double(v[view.at(o, $0, i) * 2 + 1]) : 0 }
            let (r, m) = transform(re, im, len: len, bins: bins, inverse: inverse)
            for kk in 0..<bins {
                out[outView.at(o, kk, i) * 2] = Float(r[kk])
                out[outView.at(o, kk, i) * 2 + 1] = Float(m[kk])
            }
        }
    }
    return [NDArray(shape: shape, floats: out)]
}

private func stft(_ ctx: NodeContext) throws -> [NDArray] {
    let x = try ctx.input(0)
    guard x.rank == 3, x.shape[2] == 1 || x.shape[2] == 2 else { throw ctx.fail("signal must be [batch, length, 1|2], got \(x.shape)") }
    let step = Int(try ctx.input(1).int64s.first ?? 1)
    let window = ctx.optionalInput(2)?.floats
    let frameLen = Int(ctx.optionalInput(3)?.int64s.first ?? Int64(window?.count ?? 0))
    guard step > 0, frameLen > 0, frameLen <= x.shape[1] else { throw ctx.fail("frame_length \(frameLen) and frame_step \(step) do not fit \(x.shape)") }
    let onesided = ctx.int("onesided", 1) != 0
    let bins = onesided ? frameLen / 2 + 1 : frameLen
    let frames = (x.shape[1] - frameLen) / step + 1
    let (batch, c) = (x.shape[0], x.shape[2])
    let v = x.floats
    var out = [Float](repeating: 0, count: batch * frames * bins * 2)
    for b in 0..<batch {
        for f in 0..<frames {
            let w = (0..<frameLen).map { Double(window?[$0] ?? 1) }
            let re = (0..<frameLen).map { Double(v[(b * x.shape[1] + f * step + $0) * c]) * w[$0] }
            let im = (0..<frameLen).map { c == 2 ? Double(v[(b * x.shape[1] + f * step + $0) * c + 1]) * w[$0] : 0 }
            let (r, m) = transform(re, im, len: frameLen, bins: bins, inverse: false)
            for kk in 0..<bins {
                out[((b * frames + f) * bins + kk) * 2] = Float(r[kk])
                out[((b * frames + f) * bins + kk) * 2 + 1] = Float(m[kk])
            }
        }
    }
    return [NDArray(shape: [batch, frames, bins, 2], floats: out)]
}

func registerSpectral(_ k: inout [String: Kernel]) {
    k["DFT"] = { ctx in try dft(ctx) }
    k["STFT"] = { ctx in try stft(ctx) }
    k["MelWeightMatrix"] = { ctx in try melWeightMatrix(ctx) }
}

/// MelWeightMatrix: [dft_length/2 + 1, num_mel_bins] triangular filters whose edges are
/// equally spaced on the mel scale m = 2595·log10(1 + f/700) between the two edge
/// frequencies (the operator's definition cuts the mel range into num_mel_bins + 2 steps)
/// and snapped down to spectrogram bins ⌊(dft_length + 1)·f / sample_rate⌋.
private func melWeightMatrix(_ ctx: NodeContext) throws -> [NDArray] {
    let bins = Int(try ctx.input(0).int64s.first ?? 0), length = Int(try ctx.input(1).int64s.first ?? 0)
    let rate = Double(try ctx.input(2).int64s.first ?? 0)
    let lo = Double(try ctx.input(3).floats.first ?? 0), hi = Double(try ctx.input(4).floats.first ?? 0)
    guard bins > 0, length > 0, rate > 0 else {
        throw ctx.fail("num_mel_bins, dft_length and sample_rate must be positive")
    }
    let mel = { (f: Double) in 2595 * log10(1 + f / 700) }
    let step = (mel(hi) - mel(lo)) / Double(bins + 2)
    let edge = (0..<(bins + 2)).map { i -> Int in
        let f = 700 * (pow(10, (Double(i) * step + mel(lo)) / 2595) - 1)
        return Int((Double(length + 1) * f / rate).rounded(.down))
    }
    let rows = length / 2 + 1
    var w = [Float](repeating: 0, count: rows * bins)
    func set(_ j: Int, _ i: Int, _ v: Float) { if j >= 0 && j < rows { w[j * bins + i] = v } }
    for i in 0..<bins {
        let (l, c, r) = (edge[i], edge[i + 1], edge[i + 2])
        if c == l { set(c, i, 1) } else if c > l { for j in l...c { set(j, i, Float(j - l) / Float(c - l)) } }
        if r > c { for j in c..<r { set(j, i, Float(r - j) / Float(r - c)) } }
    }
    let out = NDArray(shape: [rows, bins], floats: w)
    let dt = ctx.int("output_datatype", 1)
    return [dt == 1 ? out : try castArray(out, to: DataType(rawValue: Int32(dt)), ctx)]
}
