import Foundation
import Testing
@testable import Archives

@Suite("7z container encodings")
struct SevenZipFormatTests {
    static let numberCases: [(UInt64, [UInt8])] = [
        (0, [0x00]),
        (0x7F, [0x7F]),
        (0x80, [0x80, 0x80]),
        (0x3FFF, [0xBF, 0xFF]),
        (0x4000, [0xC0, 0x00, 0x40]),
        (0x1F_FFFF, [0xDF, 0xFF, 0xFF]),
        (0x20_0000, [0xE0, 0x00, 0x00, 0x20]),
        (0x00FF_FFFF_FFFF_FFFF, [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]),
        (0x0100_0000_0000_0000, [0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01]),
        (UInt64.max, [UInt8](repeating: 0xFF, count: 9)),
    ]

    @Test("7z NUMBER encoding", arguments: numberCases)
    func number(value: UInt64, expected: [UInt8]) {
        var b = SevenZipBytes()
        b.number(value)
        #expect(b.bytes == expected)
    }

    @Test("LZMA properties: lc=3 lp=0 pb=2, dictionary sized to the input")
    func properties() throws {
        #expect(LZMAProperties(lc: 3, lp: 0, pb: 2, dictionarySize: 1 << 26).bytes == [0x5D, 0, 0, 0, 4])
        let limit: UInt32 = 64 << 20
        #expect(LZMAProperties.dictionarySize(forInputSize: 1, limit: limit) == 4096)
        #expect(LZMAProperties.dictionarySize(forInputSize: 4097, limit: limit) == 6144)
        #expect(LZMAProperties.dictionarySize(forInputSize: 1 << 20, limit: limit) == 1 << 20)
        #expect(LZMAProperties.dictionarySize(forInputSize: (1 << 20) + 1, limit: limit) == 3 << 19)
        #expect(LZMAProperties.dictionarySize(forInputSize: 60_000_000, limit: limit) == limit)
        #expect(LZMAProperties.dictionarySize(forInputSize: 1 << 40, limit: limit) == limit)
    }

    @Test("signature header: magic, version 0.4, CRCs over start header")
    func signatureHeader() {
        let sig = SevenZipFormat.signatureHeader(headerOffset: 0x1234, headerSize: 0x56, headerCRC: 0xDEADBEEF)
        #expect(sig.count == 32)
        #expect(Array(sig[0..<8]) == [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C, 0x00, 0x04])
        #expect(Array(sig[12..<20]) == [0x34, 0x12, 0, 0, 0, 0, 0, 0])
        #expect(Array(sig[20..<28]) == [0x56, 0, 0, 0, 0, 0, 0, 0])
        #expect(Array(sig[28..<32]) == [0xEF, 0xBE, 0xAD, 0xDE])
        let startCRC = UInt32(sig[8]) | UInt32(sig[9]) << 8 | UInt32(sig[10]) << 16 | UInt32(sig[11]) << 24
        #expect(startCRC == CRC32.checksum(Array(sig[12..<32])))
    }

    @Test("CRC32 of the standard check string")
    func crc32() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }
}

@Suite("7z archives checked by the official 7-Zip")
struct SevenZipWriterTests {
    /// Writes `bytes` as a .7z, then asks 7zz to test it and to extract it.
    private func checkWith7zz(_ bytes: [UInt8], entry: SevenZipEntry) throws {
        try Tools.requireSevenZip()
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let archiveURL = folder.file("archive.7z")
        let written = try SevenZipWriter.write(bytes, entry: entry, to: archiveURL)
        #expect(written == (try fileSize(archiveURL)))

        let test = try Tools.run(Tools.sevenZip, ["t", archiveURL.path])
        #expect(test.status == 0, "7zz t failed:\n\(test.output)")

        let outDir = folder.file("out")
        let extract = try Tools.run(Tools.sevenZip, ["x", "-o" + outDir.path, archiveURL.path])
        try #require(extract.status == 0, "7zz x failed:\n\(extract.output)")
        let extracted = try Data(contentsOf: outDir.appendingPathComponent(entry.name))
        #expect(extracted == Data(bytes), "extracted bytes differ from the input")
        let names = try FileManager.default.contentsOfDirectory(atPath: outDir.path)
        #expect(names == [entry.name])
    }

    @Test("7zz tests and extracts our archive byte for byte", arguments: Sample.roundTripCases)
    func archivesPass7zz(sample: Sample) throws {
        try checkWith7zz(sample.bytes, entry: SevenZipEntry(name: "model.onnx"))
    }

    @Test("non-ASCII name, mtime and Unix mode are stored")
    func metadata() throws {
        try Tools.requireSevenZip()
        let entry = SevenZipEntry(name: "résumé-模型.onnx",
                                  modificationDate: Date(timeIntervalSince1970: 1_700_000_000),
                                  unixMode: 0o100640)
        let bytes = SampleData.structured(5000)
        try checkWith7zz(bytes, entry: entry)

        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let archiveURL = folder.file("m.7z")
        try SevenZipWriter.write(bytes, entry: entry, to: archiveURL)
        let list = try Tools.run(Tools.sevenZip, ["l", "-slt", archiveURL.path])
        try #require(list.status == 0, "7zz l failed:\n\(list.output)")
        #expect(list.output.contains("Path = résumé-模型.onnx"), "\(list.output)")
        #expect(list.output.contains("Size = 5000"))
        #expect(list.output.contains("Modified = 2023-11-14 22:13:20"), "\(list.output)")
        #expect(list.output.contains("-rw-r-----"), "\(list.output)")
        #expect(list.output.contains("Method = LZMA:"), "\(list.output)")
        let crc = String(CRC32.checksum(bytes), radix: 16, uppercase: true)
        #expect(list.output.contains("CRC = \(String(repeating: "0", count: 8 - crc.count) + crc)"))
    }

    @Test("in-memory archive, counted size and written file agree")
    func sizesAgree() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        for sample in [Sample.roundTripCases[0], Sample.roundTripCases[3], Sample.roundTripCases[6]] {
            let entry = SevenZipEntry(name: "w.bin")
            let inMemory = try SevenZipWriter.archive(sample.bytes, entry: entry)
            let counted = try SevenZipWriter.archiveSize(sample.bytes, entry: entry)
            let url = folder.file("w-\(sample.bytes.count).7z")
            let written = try SevenZipWriter.write(sample.bytes, entry: entry, to: url)
            let onDisk = try Data(contentsOf: url)
            #expect(counted == inMemory.count)
            #expect(written == inMemory.count)
            #expect(onDisk == Data(inMemory), "file and in-memory archive differ")
        }
    }

    @Test("a corrupted packed stream fails `7zz t`")
    func corruptedArchiveFails() throws {
        try Tools.requireSevenZip()
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let bytes = SampleData.normalFloat32(count: 50_000, seed: 11)
        let good = try SevenZipWriter.archive(bytes, entry: SevenZipEntry(name: "w.bin"))
        let goodURL = folder.file("good.7z")
        try Data(good).write(to: goodURL)
        let goodTest = try Tools.run(Tools.sevenZip, ["t", goodURL.path])
        try #require(goodTest.status == 0, "the unmodified archive must pass first:\n\(goodTest.output)")

        var bad = good
        let packedMiddle = 32 + (good.count - 32 - 100) / 2  // well inside the packed stream
        bad[packedMiddle] ^= 0x10
        let badURL = folder.file("bad.7z")
        try Data(bad).write(to: badURL)
        let badTest = try Tools.run(Tools.sevenZip, ["t", badURL.path])
        #expect(badTest.status != 0, "7zz accepted a corrupted archive:\n\(badTest.output)")
    }

    @Test("within 3% of `7zz a -mx=9` on 1 MB of float32 weights")
    func comparableTo7zz() throws {
        try Tools.requireSevenZip()
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let bytes = SampleData.normalFloat32(count: 262_144, seed: 42)  // 1 MiB
        let inputURL = folder.file("weights.bin")
        try Data(bytes).write(to: inputURL)
        let refURL = folder.file("ref.7z")
        let ref = try Tools.run(Tools.sevenZip, ["a", "-mx=9", refURL.path, inputURL.path])
        try #require(ref.status == 0, "7zz a failed:\n\(ref.output)")
        let refSize = try fileSize(refURL)
        let ours = try SevenZipWriter.archiveSize(bytes, entry: SevenZipEntry(name: "weights.bin"))
        print("1 MiB float32: ours .7z = \(ours) bytes, 7zz a -mx=9 = \(refSize) bytes, ratio \(Double(ours) / Double(refSize))")
        #expect(abs(Double(ours) / Double(refSize) - 1) <= 0.03, "ours \(ours) vs 7zz \(refSize)")
    }

    @Test("invalid names are rejected")
    func invalidNames() {
        #expect(throws: SizeReportError.self) { try SevenZipWriter.archive([1, 2, 3], entry: SevenZipEntry(name: "")) }
        #expect(throws: SizeReportError.self) { try SevenZipWriter.archive([1], entry: SevenZipEntry(name: "a\0b")) }
    }
}
