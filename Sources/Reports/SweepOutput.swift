import Foundation

extension SweepResult {
    /// One row per point: variant, q, qp, bytes, relative size, bits/param, top-1, top-5, times.
    public var csv: String {
        var lines = ["variant,q,qp,bitstream_bytes,relative_size,bits_per_param,top1,top5,encode_s,decode_s"]
        for p in points {
            lines.append([p.variant, String(p.q), String(p.qp), String(p.bitstreamBytes), String(format: "%.6f", p.relativeSize),
                          String(format: "%.4f", p.bitsPerParameter), String(format: "%.6f", p.top1),
                          p.top5.map { String(format: "%.6f", $0) } ?? "", String(format: "%.4f", p.encodeSeconds),
                          String(format: "%.4f", p.decodeSeconds)].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The curve as a self-contained SVG: compressed size relative to the .onnx (log scale)
    /// against top-1, one line per variant, the .7z/.xz sizes and the baseline as markers.
    public var svg: String {
        let w = 900.0, h = 480.0, left = 70.0, right = 250.0, top = 40.0, bottom = 60.0
        let pw = w - left - right, ph = h - top - bottom
        var sizes = points.map(\.relativeSize)
        for b in [sevenZipBytes, xzBytes].compactMap({ $0 }) { sizes.append(Double(b) / Double(max(onnxBytes, 1))) }
        sizes.append(1)
        let xmin = log10(max(sizes.min() ?? 0.01, 1e-4)) - 0.1, xmax = 0.05
        let accs = points.map(\.top1) + [baselineTop1]
        let ylo = max(0, ((accs.min() ?? 0) * 100 - 2).rounded(.down)), yhi = min(100, ((accs.max() ?? 1) * 100 + 1).rounded(.up))
        func x(_ rel: Double) -> Double { left + (log10(max(rel, 1e-6)) - xmin) / (xmax - xmin) * pw }
        func y(_ acc: Double) -> Double { top + (1 - (acc * 100 - ylo) / max(yhi - ylo, 1e-9)) * ph }
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        var s = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(w))" height="\(Int(h))" viewBox="0 0 \(Int(w)) \(Int(h))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(left)" y="22" font-size="15" font-weight="bold">\(esc(model)): top-1 vs compressed size</text>
        <rect x="\(left)" y="\(top)" width="\(pw)" height="\(ph)" fill="none" stroke="#444"/>

        """
        // grid: decades and 1-2-5 steps on x, whole percents on y
        var tick = pow(10, xmin.rounded(.down))
        while log10(tick) <= xmax {
            for m in [1.0, 2.0, 5.0] {
                let v = tick * m
                let lv = log10(v)
                if lv >= xmin && lv <= xmax {
                    let px = x(v)
                    s += "<line x1=\"\(f(px))\" y1=\"\(top)\" x2=\"\(f(px))\" y2=\"\(top + ph)\" stroke=\"#ddd\"/>\n"
                    s += "<text x=\"\(f(px))\" y=\"\(f(top + ph + 16))\" text-anchor=\"middle\">\(pct(v))</text>\n"
                }
            }
            tick *= 10
        }
        let ystep = [1.0, 2.0, 5.0, 10.0, 20.0, 25.0].first { (yhi - ylo) / $0 <= 10 } ?? 25
        var yv = (ylo / ystep).rounded(.up) * ystep
        while yv <= yhi + 1e-9 {
            let py = y(yv / 100)
            s += "<line x1=\"\(left)\" y1=\"\(f(py))\" x2=\"\(left + pw)\" y2=\"\(f(py))\" stroke=\"#ddd\"/>\n"
            s += "<text x=\"\(left - 6)\" y=\"\(f(py + 4))\" text-anchor=\"end\">\(Int(yv))%</text>\n"
            yv += ystep
        }
        s += "<text x=\"\(left + pw / 2)\" y=\"\(h - 18)\" text-anchor=\"middle\">compressed size relative to the .onnx (log scale)</text>\n"
        s += "<text x=\"18\" y=\"\(top + ph / 2)\" text-anchor=\"middle\" transform=\"rotate(-90 18 \(top + ph / 2))\">top-1 accuracy</text>\n"
        // baseline
        let by = y(baselineTop1)
        s += "<line x1=\"\(left)\" y1=\"\(f(by))\" x2=\"\(left + pw)\" y2=\"\(f(by))\" stroke=\"#888\" stroke-dasharray=\"5,4\"/>\n"
        // archive markers
        var legend: [(String, String, String)] = []   // color, dash/marker, label
        for (k, (label, bytes, color)) in [(".7z", sevenZipBytes, "#d62728"), (".xz", xzBytes, "#9467bd")].enumerated() {
            guard let bytes else { continue }
            let px = x(Double(bytes) / Double(max(onnxBytes, 1)))
            // .7z on the baseline, .xz just below it, so both stay visible when they coincide
            let py = by + Double(k) * 14
            s += "<path d=\"M \(f(px)) \(f(py - 6)) L \(f(px + 6)) \(f(py)) L \(f(px)) \(f(py + 6)) L \(f(px - 6)) \(f(py)) Z\" fill=\"\(color)\"><title>\(label): \(bytes) bytes</title></path>\n"
            legend.append((color, "diamond", "\(label) (\(pct(Double(bytes) / Double(max(onnxBytes, 1)))) of .onnx)"))
        }
        s += "<circle cx=\"\(f(x(1)))\" cy=\"\(f(by))\" r=\"5\" fill=\"#444\"/>\n"
        legend.append(("#444", "dot", ".onnx baseline \(String(format: "%.2f", baselineTop1 * 100))%"))
        let colors = ["uniform": "#1f77b4", "dq": "#2ca02c"]
        let palette = ["#ff7f0e", "#1f77b4", "#2ca02c", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"]
        for (k, v) in variants.enumerated() {
            let ps = points.filter { $0.variant == v }.sorted { $0.relativeSize < $1.relativeSize }
            let color = colors[v] ?? palette[k % palette.count]
            let d = ps.enumerated().map { i, p in "\(i == 0 ? "M" : "L") \(f(x(p.relativeSize))) \(f(y(p.top1)))" }.joined(separator: " ")
            s += "<path d=\"\(d)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
            for p in ps {
                s += "<circle cx=\"\(f(x(p.relativeSize)))\" cy=\"\(f(y(p.top1)))\" r=\"3.5\" fill=\"\(color)\"><title>\(v) q=\(p.q): \(p.bitstreamBytes) bytes, top-1 \(String(format: "%.2f", p.top1 * 100))%</title></circle>\n"
            }
            if let e = elbow(v) {
                s += "<circle cx=\"\(f(x(e.relativeSize)))\" cy=\"\(f(y(e.top1)))\" r=\"7\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
            }
            legend.append((color, "line", v == "dq" ? "NNC, dependent quantization" : v == "uniform" ? "NNC, uniform 2^-q" : v))
        }
        // legend
        var ly = top + 10
        for (color, kind, label) in legend {
            let lx = left + pw + 14
            switch kind {
            case "line": s += "<line x1=\"\(f(lx))\" y1=\"\(f(ly))\" x2=\"\(f(lx + 22))\" y2=\"\(f(ly))\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
            case "diamond": s += "<path d=\"M \(f(lx + 11)) \(f(ly - 6)) L \(f(lx + 17)) \(f(ly)) L \(f(lx + 11)) \(f(ly + 6)) L \(f(lx + 5)) \(f(ly)) Z\" fill=\"\(color)\"/>\n"
            default: s += "<circle cx=\"\(f(lx + 11))\" cy=\"\(f(ly))\" r=\"5\" fill=\"\(color)\"/>\n"
            }
            s += "<text x=\"\(f(lx + 28))\" y=\"\(f(ly + 4))\">\(esc(label))</text>\n"
            ly += 20
        }
        s += "<text x=\"\(f(left + pw + 14))\" y=\"\(f(ly + 8))\" fill=\"#555\">circled: elbow</text>\n"
        s += "</svg>\n"
        return s
    }
}

private func f(_ v: Double) -> String { String(format: "%.1f", v) }
private func pct(_ v: Double) -> String {
    let p = v * 100
    return p >= 10 ? String(format: "%.0f%%", p) : p >= 1 ? String(format: "%.0f%%", p) : String(format: "%.1f%%", p)
}
