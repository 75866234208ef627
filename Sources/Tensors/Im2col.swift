/// Unfolds one group of one image for a convolution: rows (c, ki, kj), columns (oy, ox);
/// positions in the padding are 0. Row r of the result starts at `col + r * ld`
/// (ld ≥ OH·OW, so several images can share rows). `x` holds `channels` planes of
/// `h.input × w.input` floats.
package func im2col(_ x: UnsafePointer<Float>, channels: Int, _ h: AxisPlan, _ w: AxisPlan, _ col: UnsafeMutablePointer<Float>, ld: Int) {
    let H = h.input, W = w.input, OH = h.output, OW = w.output
    var row = col
    for c in 0..<channels {
        let xc = x + c * H * W
        for ki in 0..<h.kernel {
            for kj in 0..<w.kernel {
                let dx = kj * w.dilation - w.padBegin
                // Range of ox with 0 <= ox*sw + dx < W.
                var oxLo = 0
                if dx < 0 { oxLo = (-dx + w.stride - 1) / w.stride }
                var oxHi = OW
                if W - dx <= 0 { oxHi = 0 } else { oxHi = min(OW, (W - dx + w.stride - 1) / w.stride) }
                if oxHi < oxLo { oxHi = oxLo }
                for oy in 0..<OH {
                    let iy = oy * h.stride + ki * h.dilation - h.padBegin
                    let dst = row + oy * OW
                    if iy < 0 || iy >= H {
                        dst.update(repeating: 0, count: OW)
                        continue
                    }
                    let src = xc + iy * W
                    if oxLo > 0 { dst.update(repeating: 0, count: oxLo) }
                    if w.stride == 1 {
                        if oxHi > oxLo { (dst + oxLo).update(from: src + oxLo + dx, count: oxHi - oxLo) }
                    } else {
                        var ix = oxLo * w.stride + dx
                        for ox in oxLo..<oxHi { dst[ox] = src[ix]; ix += w.stride }
                    }
                    if oxHi < OW { (dst + oxHi).update(repeating: 0, count: OW - oxHi) }
                }
                row += ld
            }
        }
    }
}
