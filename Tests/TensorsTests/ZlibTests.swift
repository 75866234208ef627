import Testing
@testable import Tensors

/// The zlib-backed DEFLATE decoder of `.npz` members.
@Suite struct ZlibTests {
    /// "hello hello hello" as raw DEFLATE (fixed Huffman block), made by Python's zlib
    /// (`zlib.compressobj(9, zlib.DEFLATED, -15)`).
    static let hello: [UInt8] = [0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x57, 0xc8, 0x40, 0x90, 0x00]

    @Test func inflatesRawDeflate() throws {
        let out = try Self.hello.withUnsafeBytes { try Zlib.inflateRaw($0, expectedSize: 17) }
        #expect(String(decoding: out, as: UTF8.self) == "hello hello hello")
        #expect(Zlib.crc32(out) == 0xe5f9_8880)
    }

    @Test func refusesTruncatedLongerAndImplausibleData() {
        #expect(throws: Zlib.Failure(description: "compressed data is truncated")) {
            try Self.hello.dropLast(3).withUnsafeBytes { try Zlib.inflateRaw($0, expectedSize: 17) }
        }
        #expect(throws: Zlib.Failure(description: "data decodes to more than the declared 5 bytes")) {
            try Self.hello.withUnsafeBytes { try Zlib.inflateRaw($0, expectedSize: 5) }
        }
        #expect(throws: Zlib.Failure(description: "declared size 1099511627776 is more than 10 compressed bytes can hold")) {
            try Self.hello.withUnsafeBytes { try Zlib.inflateRaw($0, expectedSize: 1 << 40) }
        }
    }
}
