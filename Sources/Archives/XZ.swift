import Foundation

/// `.xz` files as `xz -9e` writes them: one stream, LZMA2 at preset `9 | LZMA_PRESET_EXTREME`,
/// CRC64 check.
public enum XZ {
    /// The `.xz` file of `bytes`.
    public static func compress(_ bytes: some ContiguousBytes) throws -> [UInt8] {
        var result: [UInt8] = []
        try bytes.withUnsafeBytes { raw in
            try compress(.memory(raw)) { result.append(contentsOf: $0) }
        }
        return result
    }

    /// The size of the `.xz` file of `bytes`, without keeping the compressed bytes.
    public static func compressedSize(of bytes: some ContiguousBytes) throws -> Int {
        try bytes.withUnsafeBytes { raw in
            try Int(compressedSize(of: .memory(raw)))
        }
    }

    /// Decodes a complete `.xz` file (throws on corrupt, truncated or trailing data).
    public static func decompress(_ bytes: some ContiguousBytes) throws -> [UInt8] {
        var result: [UInt8] = []
        let decoder = try XZDecoder()
        try bytes.withUnsafeBytes { raw in
            try decoder.decode(raw, finish: true) { result.append(contentsOf: $0) }
        }
        guard decoder.finished else { throw LZMAError("xz decoding failed: stream is truncated") }
        return result
    }

    static func compress(_ input: ByteInput, sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        let encoder = try LZMAEncoder(.xz)
        try input.forEachChunk { try encoder.encode($0, finish: false, sink: sink) }
        try encoder.encode(UnsafeRawBufferPointer(start: nil, count: 0), finish: true, sink: sink)
    }

    static func compressedSize(of input: ByteInput) throws -> UInt64 {
        var count: UInt64 = 0
        try compress(input) { count += UInt64($0.count) }
        return count
    }
}
