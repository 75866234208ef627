import TestSupport
import Foundation
import Testing
@testable import Codec

/// The NNCodec 2.1.3 fixtures under testdata/nnc (see scripts/make_nnc_fixtures.py).
struct NNCFixtureManifest: Decodable {
    struct Settings: Decodable {
        var qp: Int
        var use_dq: Int
        var param_opt: Int
        var row_skipping: Int
        var cabac_unary_length_minus1: Int
        var scan_order: Int?
    }
    struct Tensor: Decodable {
        var name: String
        var dtype: String
        var shape: [Int]
        var fnv1a64: String
        var data: String?
    }
    struct Stream: Decodable, CustomTestStringConvertible {
        var file: String
        var settings: Settings
        var tensors: [Tensor]
        var testDescription: String { file }
    }
    var streams: [Stream]

    static let directory = URL(fileURLWithPath: TestData.path("nnc"))

    static func load() throws -> NNCFixtureManifest {
        let data = try Data(contentsOf: directory.appendingPathComponent("manifest.json"))
        return try JSONDecoder().decode(NNCFixtureManifest.self, from: data)
    }

    /// Streams, or none when the fixtures are missing (so argument lists stay valid).
    static var streams: [Stream] { (try? load().streams) ?? [] }

    static func bytes(_ relative: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(relative)))
    }
}

/// FNV-1a 64 of a byte sequence (matches the fixture script).
func fnv1a64(_ bytes: [UInt8]) -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in bytes {
        h ^= UInt64(b)
        h = h &* 0x100_0000_01b3
    }
    let s = String(h, radix: 16)
    return String(repeating: "0", count: 16 - s.count) + s
}

/// Little-endian bytes of decoded values, as the fixture files store them.
func littleEndianBytes(_ values: NNRTensorValues) -> [UInt8] {
    var out: [UInt8] = []
    switch values {
    case .float32(let v):
        out.reserveCapacity(4 * v.count)
        for x in v { let b = x.bitPattern; out += [UInt8(b & 0xFF), UInt8((b >> 8) & 0xFF), UInt8((b >> 16) & 0xFF), UInt8(b >> 24)] }
    case .int32(let v):
        out.reserveCapacity(4 * v.count)
        for x in v { let b = UInt32(bitPattern: x); out += [UInt8(b & 0xFF), UInt8((b >> 8) & 0xFF), UInt8((b >> 16) & 0xFF), UInt8(b >> 24)] }
    }
    return out
}

/// First differing element of two little-endian 4-byte arrays, for readable failures.
func firstDifference(_ a: [UInt8], _ b: [UInt8], dtype: String) -> String? {
    if a == b { return nil }
    if a.count != b.count { return "sizes differ: \(a.count) vs \(b.count) bytes" }
    for i in stride(from: 0, to: a.count, by: 4) where a[i..<(i + 4)] != b[i..<(i + 4)] {
        func value(_ x: ArraySlice<UInt8>) -> String {
            let bits = x.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << UInt32(8 * $1.offset) }
            return dtype == "int32" ? "\(Int32(bitPattern: bits))" : "\(Float(bitPattern: bits))"
        }
        return "element \(i / 4): ours \(value(a[i..<(i + 4)])), NNCodec \(value(b[i..<(i + 4)]))"
    }
    return nil
}
