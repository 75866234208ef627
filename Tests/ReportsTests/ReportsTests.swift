import TestSupport
import Foundation
import FoundationXML
import Testing
@testable import Codec
import ONNXIO
import Prune
@testable import Reports
import Runtime

private let repoRoot = TestData.root

private func digits(limit: Int = 450) throws -> LabelledData {
    let d = try LabelledData.load(data: repoRoot + "/testdata/digits_test_x28.npy", labels: repoRoot + "/testdata/digits_test_y.npy")
    return try LabelledData(inputs: d.inputs.slice(rows: 0..<limit), labels: Array(d.labels.prefix(limit)))
}

@Suite("rate–accuracy sweep")
struct SweepTests {
    @Test("every point equals encoding, decoding and evaluating by hand")
    func pointsMatchManualRuns() throws {
        let model = try Model.load(path: repoRoot + "/testdata/lenet300.onnx")
        let d = try digits(limit: 200)
        let r = try Sweep.run(model: model, name: "lenet300", onnxBytes: 1_067_239, data: ["input": d.inputs], labels: d.labels,
                              qs: [3, 8], dependentQuantization: [false, true])
        #expect(r.points.count == 4)
        #expect(r.baselineTop1 == (try Session(model: model).evaluate(data: d.inputs, labels: d.labels).top1))
        for p in r.points {
            var o = EncodeOptions(q: p.q)
            o.dependentQuantization = p.variant == "dq"
            let bytes = try ModelEncoder(options: o).encode(model).bytes
            #expect(p.bitstreamBytes == bytes.count)
            #expect(abs(p.relativeSize - Double(bytes.count) / 1_067_239) < 1e-12)
            let decoded = try ModelDecoder.decode(bytes, source: "s").model
            #expect(p.top1 == (try Session(model: decoded).evaluate(data: d.inputs, labels: d.labels).top1))
        }
        #expect(r.csv.split(separator: "\n").count == 5)
    }

    func synthetic() -> SweepResult {
        func p(_ v: String, _ q: Int, _ bytes: Int, _ top1: Double) -> SweepPoint {
            SweepPoint(variant: v, q: q, qp: -4 * q, bitstreamBytes: bytes, relativeSize: Double(bytes) / 1000, bitsPerParameter: 1,
                       top1: top1, top5: nil, encodeSeconds: 0, decodeSeconds: 0)
        }
        return SweepResult(model: "m <&>", onnxBytes: 1000, sevenZipBytes: 900, xzBytes: 905, baselineTop1: 0.90, baselineTop5: nil,
                           points: [p("uniform", 2, 10, 0.5), p("uniform", 4, 40, 0.8995), p("uniform", 6, 80, 0.90), p("uniform", 8, 120, 0.901),
                                    p("dq", 2, 8, 0.4), p("dq", 4, 30, 0.898), p("dq", 6, 70, 0.9)])
    }

    @Test("the elbow is the smallest point within 0.1 points of the baseline")
    func elbow() {
        let r = synthetic()
        #expect(r.elbow("uniform")?.q == 4)
        #expect(r.elbow("dq")?.q == 6)
        #expect(r.elbow("nothing") == nil)
    }

    @Test("the SVG is well-formed XML with a line per variant and markers for .7z and .xz")
    func svg() throws {
        let svg = synthetic().svg
        let parser = XMLParser(data: Data(svg.utf8))
        #expect(parser.parse(), "SVG must parse as XML: \(String(describing: parser.parserError))")
        #expect(svg.contains("m &lt;&amp;&gt;"))
        #expect(svg.components(separatedBy: "stroke-width=\"2\"/>").count - 1 >= 2)
        #expect(svg.contains(".7z (90% of .onnx)") && svg.contains(".xz (90% of .onnx)"))
    }
}

@Suite("comparison report")
struct ComparisonReportTests {
    @Test("baseline, unstructured and structured rows, each encoded; numbers agree with the tools run by hand")
    func rows() throws {
        let model = try Model.load(path: repoRoot + "/testdata/lenet300.onnx")
        let d = try digits(limit: 200)
        var s = ComparisonReport.Settings()
        s.encode = EncodeOptions(q: 7)
        s.twt = 0.05
        s.sevenZip = false
        s.structuredScore = .norm
        let r = try ComparisonReport.run(model: model, name: "lenet300", data: d, settings: s)
        #expect(r.rows.map(\.variant) == ["baseline", "baseline + NNC", "unstructured pruned", "unstructured pruned + NNC",
                                          "structured pruned", "structured pruned + NNC"])
        let base = r.rows[0]
        #expect(base.neurons == "[300]-[100]-[10]" && base.remainingPercent == [100, 100, 100] && base.compressionRatio == 1)
        #expect(base.onnxBytes == model.serialized().count)
        #expect(r.rows[1].bitstreamBytes == (try ModelEncoder(options: s.encode).encode(model).bytes.count))
        #expect(r.rows[2].compressionRatio > 1, "unstructured pruning removes parameters")
        #expect(r.rows[4].onnxBytes < base.onnxBytes, "structured pruning + simplification shrinks the .onnx")
        #expect(r.rows[4].neurons != base.neurons)
        for row in r.rows { #expect(row.top1 > 0.9) }
        #expect(r.markdown.split(separator: "\n").count >= 8)
        #expect(r.csv.split(separator: "\n").count == 7)
    }
}

@Suite("binary network report rows")
struct BinaryReportTests {
    @Test("a binary network gets the Sign-folded row, its ±1 weights at about one bit each")
    func binaryRow() throws {
        let model = try Model.load(path: repoRoot + "/testdata/bnn_nin.onnx")
        var s = ComparisonReport.Settings()
        s.twt = nil
        s.sevenZip = false
        let r = try ComparisonReport.run(model: model, name: "bnn_nin", data: try digits(limit: 100), settings: s)
        #expect(r.rows.map(\.variant) == ["baseline", "baseline + NNC", "binary (simplify: Sign folded)", "binary (simplify: Sign folded) + NNC"])
        let coded = r.rows[3]
        #expect(coded.binaryWeights == 24 * 24 + 48 * 24 * 9 + 48 * 48 + 48 * 48 * 9)
        #expect((coded.bitsPerBinaryWeight ?? 9) <= 1.1)
        #expect(r.rows[1].bitsPerBinaryWeight == nil, "the latent weights are real, not ±1")
        #expect(r.markdown.contains("bits/binary weight"))
    }
}
