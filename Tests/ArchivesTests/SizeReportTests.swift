import Foundation
import Testing
@testable import Archives

@Suite("SizeReport")
struct SizeReportTests {
    @Test("reported sizes equal the written .7z and the .xz byte counts")
    func reportMatchesOutputs() throws {
        try Tools.requireSevenZip()
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let bytes = SampleData.normalFloat32(count: 100_000, seed: 21)
        let archiveURL = folder.file("model.onnx.7z")
        let report = try SizeReport.measure(bytes, name: "model.onnx", writingSevenZipTo: archiveURL)
        #expect(report.fileName == "model.onnx")
        #expect(report.originalBytes == bytes.count)
        #expect(report.sevenZipBytes == (try fileSize(archiveURL)))
        #expect(report.xzBytes == (try XZ.compress(bytes)).count)
        #expect(report.sevenZipBytes < report.originalBytes)
        let test = try Tools.run(Tools.sevenZip, ["t", archiveURL.path])
        #expect(test.status == 0, "7zz t failed:\n\(test.output)")

        // Counting only (no file) gives the same numbers.
        let counted = try SizeReport.measure(bytes, name: "model.onnx")
        #expect(counted == report)
    }

    @Test("measuring a file on disk equals measuring its bytes; mtime and mode are kept")
    func measureFile() throws {
        try Tools.requireSevenZip()
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let bytes = SampleData.structured(300_000)
        let inputURL = folder.file("net.onnx")
        try Data(bytes).write(to: inputURL)
        let fromFile = try SizeReport.measure(fileAt: inputURL, writingSevenZipTo: folder.file("net.7z"))
        let fromBytes = try SizeReport.measure(bytes, name: "net.onnx")
        #expect(fromFile.originalBytes == fromBytes.originalBytes)
        #expect(fromFile.xzBytes == fromBytes.xzBytes)
        // The file's archive also carries mtime (12 header bytes) and attributes (8).
        #expect(fromFile.sevenZipBytes == fromBytes.sevenZipBytes + 12 + 8)
        #expect(fromFile.sevenZipBytes == (try fileSize(folder.file("net.7z"))))
        let outDir = folder.file("out")
        let extract = try Tools.run(Tools.sevenZip, ["x", "-o" + outDir.path, folder.file("net.7z").path])
        try #require(extract.status == 0, "7zz x failed:\n\(extract.output)")
        #expect(try Data(contentsOf: outDir.appendingPathComponent("net.onnx")) == Data(bytes))
    }

    @Test("empty file: valid archive, sizes reported")
    func emptyFile() throws {
        try Tools.requireSevenZip()
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let report = try SizeReport.measure([UInt8](), name: "empty.onnx", writingSevenZipTo: folder.file("e.7z"))
        #expect(report.originalBytes == 0)
        #expect(report.sevenZipBytes == (try fileSize(folder.file("e.7z"))))
        #expect(report.xzBytes == 32)  // an empty .xz: 12 + 12 header/footer + 8 index
        #expect(report.sevenZipRatio == 0)
        let test = try Tools.run(Tools.sevenZip, ["t", folder.file("e.7z").path])
        #expect(test.status == 0, "7zz t failed:\n\(test.output)")
    }

    @Test("JSON uses the documented field names and round-trips")
    func codable() throws {
        let report = SizeReport(fileName: "m.onnx", originalBytes: 1000, sevenZipBytes: 900, xzBytes: 950)
        let json = try JSONEncoder().encode(report)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(Set(object.keys) == ["fileName", "originalBytes", "sevenZipBytes", "xzBytes"])
        #expect(try JSONDecoder().decode(SizeReport.self, from: json) == report)
        #expect(report.sevenZipRatio == 0.9)
    }

    @Test("writing replaces an existing file and leaves no temporary files")
    func atomicReplace() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = folder.file("out.7z")
        try Data("old contents".utf8).write(to: url)
        let size = try SevenZipWriter.write(SampleData.structured(10_000), entry: SevenZipEntry(name: "x"), to: url)
        #expect(try fileSize(url) == size)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path) == ["out.7z"])
    }

    @Test("a failed write leaves neither the destination nor a temporary file")
    func failedWriteLeavesNothing() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        // Bad entry name: the writer fails after the temporary file was created.
        #expect(throws: SizeReportError.self) {
            try SevenZipWriter.write([1, 2, 3], entry: SevenZipEntry(name: ""), to: folder.file("bad.7z"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).isEmpty)
        // Missing folder: a clear error.
        #expect(throws: SizeReportError.self) {
            try SevenZipWriter.write([1, 2, 3], entry: SevenZipEntry(name: "a"), to: folder.file("no/such/x.7z"))
        }
    }

    @Test("missing input file is a clear error")
    func missingInput() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        #expect(throws: SizeReportError.self) { try SizeReport.measure(fileAt: folder.file("nope.onnx")) }
    }
}

/// Measurements for docs/sizes.md. Slow (the 60 MB case takes minutes), so it only runs with
/// `NNCODEC_BENCH=1 swift test --filter SizesBenchmark`.
@Suite("SizesBenchmark", .serialized,
       .enabled(if: ProcessInfo.processInfo.environment["NNCODEC_BENCH"] == "1"))
struct SizesBenchmark {
    @Test("1 MiB and 60 MB of normal float32: ours vs 7zz a -mx=9 vs xz -9e", arguments: [262_144, 15_000_000])
    func measure(floatCount: Int) throws {
        try Tools.requireSevenZip()
        try Tools.requireXZ()
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let bytes = SampleData.normalFloat32(count: floatCount, seed: 2024)
        let inputURL = folder.file("weights.bin")
        try Data(bytes).write(to: inputURL)

        let oursURL = folder.file("ours.7z")
        let (ours7z, t7z) = try elapsedSeconds {
            try SevenZipWriter.write(bytes, entry: SevenZipEntry(name: "weights.bin"), to: oursURL)
        }
        let (oursXZ, tXZ) = try elapsedSeconds { try XZ.compressedSize(of: bytes) }

        let (check, tCheck) = try elapsedSeconds { try Tools.run(Tools.sevenZip, ["t", oursURL.path]) }
        #expect(check.status == 0, "7zz t failed:\n\(check.output)")

        func sevenZip(_ name: String, _ options: [String]) throws -> (Int, Double) {
            let url = folder.file(name)
            let (result, t) = try elapsedSeconds { try Tools.run(Tools.sevenZip, ["a"] + options + [url.path, inputURL.path]) }
            try #require(result.status == 0, "7zz a failed:\n\(result.output)")
            return (try fileSize(url), t)
        }
        let (ref7z, tRef7z) = try sevenZip("ref.7z", ["-mx=9"])
        let (ref7zLZMA, tRef7zLZMA) = try sevenZip("ref-lzma.7z", ["-mx=9", "-m0=LZMA", "-mmt=1"])
        let xzURL = folder.file("ref.xz")
        let (xzResult, tRefXZ) = try elapsedSeconds { try Tools.run(Tools.xz, ["-9e", "-T1", "-c", inputURL.path], stdoutTo: xzURL) }
        try #require(xzResult.status == 0, "xz failed:\n\(xzResult.output)")
        let refXZ = try fileSize(xzURL)

        func row(_ what: String, _ size: Int, _ t: Double) -> String {
            String(format: "| %@ | %d | %.4f | %.1f |", what, size, Double(size) / Double(bytes.count), t)
        }
        print("""
        SIZES-BENCH input: \(bytes.count) bytes of N(0, 0.05²) float32 (seed 2024)
        | what | bytes | ratio | seconds |
        |---|---:|---:|---:|
        \(row("nncodec .7z (LZMA1 9e)", ours7z, t7z))
        \(row("7zz a -mx=9 (LZMA2)", ref7z, tRef7z))
        \(row("7zz a -mx=9 -m0=LZMA -mmt=1", ref7zLZMA, tRef7zLZMA))
        \(row("nncodec .xz (9e)", oursXZ, tXZ))
        \(row("xz -9e -T1", refXZ, tRefXZ))
        7zz t on ours: \(String(format: "%.1f", tCheck)) s
        """)
        #expect(abs(Double(ours7z) / Double(ref7z) - 1) <= 0.03)
        #expect(oursXZ == refXZ)
    }
}
