import Foundation
import Testing
import ONNXIO
@testable import Runtime

/// Whole models of testdata/manifest.json against their onnxruntime logits.
@Suite struct ModelTests {
    struct Entry: CustomTestStringConvertible, Sendable {
        let name: String, file: String, inputName: String, outputName: String
        let dataFile: String, labelsFile: String?, referenceFile: String
        let ortTop1: Double?
        var testDescription: String { name }
    }

    static let manifestPath = TestPaths.testdata("manifest.json")

    static let entries: [Entry] = {
        guard let data = FileManager.default.contents(atPath: manifestPath),
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let models = obj["models"] as? [[String: Any]] else { return [] }
        return models.compactMap { m in
            guard let name = m["name"] as? String, let file = m["file"] as? String, let input = m["input_name"] as? String,
                  let output = m["output_name"] as? String, let dataFile = m["data_file"] as? String,
                  let ref = m["reference_logits_file"] as? String else { return nil }
            return Entry(name: name, file: file, inputName: input, outputName: output, dataFile: dataFile,
                         labelsFile: m["labels_file"] as? String, referenceFile: ref, ortTop1: m["ort_top1"] as? Double)
        }
    }()

    /// Logits within 1e-4 (absolute, or relative to the largest logit if that exceeds 1)
    /// of onnxruntime's, and the same arg-max for every sample.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: manifestPath)), arguments: entries)
    func matchesOnnxRuntime(_ e: Entry) throws {
        let session = try Session(path: TestPaths.testdata(e.file))
        let x = try NPY.read(path: TestPaths.testdata(e.dataFile))
        let ref = try NPY.read(path: TestPaths.testdata(e.referenceFile))
        #expect(ref.shape[0] == x.shape[0])
        var got: [NDArray] = []
        let batch = 64
        var start = 0
        while start < x.shape[0] {
            let end = min(x.shape[0], start + batch)
            let out = try session.run(inputs: [e.inputName: x.slice(rows: start..<end)], outputs: [e.outputName])
            got.append(try #require(out[e.outputName]))
            start = end
        }
        let logits = got.flatMap { $0.floats }
        let want = ref.floats
        try #require(logits.count == want.count)
        let (d, s) = maxDiff(logits, want)
        #expect(d <= 1e-4 * max(1, s), "\(e.name): max |Δ| \(d), max |ref| \(s)")
        print("MODEL \(e.name): \(ref.shape[0]) samples, max |Δ| vs onnxruntime \(d) (max |logit| \(s))")
        let classes = ref.count / ref.shape[0]
        var mismatches = 0
        for r in 0..<ref.shape[0] {
            let a = logits[(r * classes)..<((r + 1) * classes)], b = want[(r * classes)..<((r + 1) * classes)]
            if a.indices.max(by: { a[$0] < a[$1] }) != b.indices.max(by: { b[$0] < b[$1] }) { mismatches += 1 }
        }
        #expect(mismatches == 0, "\(e.name): \(mismatches) samples with a different top-1 class")

        if let labelsFile = e.labelsFile, let ortTop1 = e.ortTop1 {
            let labels = try NPY.read(path: TestPaths.testdata(labelsFile)).int64s.map { Int($0) }
            let report = try session.evaluate(data: [e.inputName: x], labels: labels, batchSize: batch, output: e.outputName)
            #expect(abs(report.top1 - ortTop1) < 1e-9, "\(e.name): top-1 \(report.top1), onnxruntime \(ortTop1)")
        }
    }
}
