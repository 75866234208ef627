import Foundation
import Testing
@testable import Archives

@Suite("XZ (.xz at preset 9e)")
struct XZTests {
    @Test("xz output decodes back to the input", arguments: Sample.roundTripCases)
    func roundTrip(sample: Sample) throws {
        let compressed = try XZ.compress(sample.bytes)
        // .xz magic: FD 37 7A 58 5A 00; footer magic "YZ".
        #expect(Array(compressed.prefix(6)) == [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00])
        #expect(Array(compressed.suffix(2)) == [0x59, 0x5A])
        #expect(try XZ.decompress(compressed) == sample.bytes)
        #expect(try XZ.compressedSize(of: sample.bytes) == compressed.count)
    }

    @Test("xz output uses a CRC64 check")
    func crc64Check() throws {
        let compressed = try XZ.compress(SampleData.structured(1000))
        // Stream flags (bytes 6–7): 0x00, check ID 0x04 = CRC64.
        #expect(compressed[6] == 0x00)
        #expect(compressed[7] == 0x04)
    }

    @Test("a corrupted .xz is rejected by the decoder")
    func corruptedInputFails() throws {
        var compressed = try XZ.compress(SampleData.normalFloat32(count: 20_000, seed: 9))
        compressed[compressed.count / 2] ^= 0x40
        #expect(throws: LZMAError.self) { try XZ.decompress(compressed) }
        #expect(throws: LZMAError.self) { try XZ.decompress(Array(compressed.prefix(100))) }
    }

    @Test("same size as `xz -9e` on the same bytes")
    func matchesXZTool() throws {
        try Tools.requireXZ()
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let input = SampleData.normalFloat32(count: 100_000, seed: 5)
        let inputURL = folder.file("w.bin")
        try Data(input).write(to: inputURL)
        let outURL = folder.file("w.bin.xz")
        let result = try Tools.run(Tools.xz, ["-9e", "-T1", "-c", inputURL.path], stdoutTo: outURL)
        try #require(result.status == 0, "xz failed: \(result.output)")
        let ours = try XZ.compress(input)
        #expect(ours.count == (try fileSize(outURL)))
    }
}
