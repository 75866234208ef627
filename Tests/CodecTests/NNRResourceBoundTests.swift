import CABAC
import Testing
@testable import Codec

/// The decoder allocates for a tensor only what its payload can carry (`NNRLimits.maxCodedElements`).
@Suite("NNR resource bounds")
struct NNRResourceBoundTests {
    /// A stream whose one NDU declares `dims` over `payload` bytes of entropy-coded data.
    static func stream(dims: [Int], payload: [UInt8], profile: UInt8 = 1) -> [UInt8] {
        var context = NNRSyntaxContext()
        var out = NNRUnitSyntax.write(NNRUnit(header: .init(type: .start), body: .start(profile: profile)), context: &context)
        out += NNRUnitSyntax.write(NNRUnit(header: .init(type: .modelParameterSet), body: .modelParameterSet(NNRModelParameterSet())),
                                   context: &context)
        let h = NNRCompressedDataHeader(payloadType: .int, tensorName: "t", dimensions: dims)
        out += NNRUnitSyntax.write(NNRUnit(header: .init(type: .compressedData),
                                           body: .compressedData(NNRCompressedDataUnit(header: h, payload: payload))), context: &context)
        return out
    }

    @Test("10^12 elements declared in a 100-byte stream are refused before allocation, at any tensor limit")
    func hugeDeclaration() throws {
        var limits = NNRLimits()
        limits.maxTensorElements = 1 << 50
        let bytes = Self.stream(dims: [1_000_000, 1_000_000], payload: [UInt8](repeating: 0x55, count: 60))
        #expect(bytes.count < 100)
        let error = try #require(throws: NNRError.self) { try NNRBitstream.parse(bytes, limits: limits) }
        #expect(error.kind == .invalidValue("a tensor of 1000000000000 elements cannot be coded in 60 bytes"))
        #expect(error.tensorName == "t" && error.unitIndex == 2)
    }

    @Test("without row skipping (profile 0) each element needs a bin: 1-D and 2-D bounds")
    func profileZero() throws {
        let most = NNRLimits.maxCodedElements(payloadBytes: 10, rowWidth: 1000, rowSkipping: false)
        #expect(most == 177 * 8 * 12)
        let bytes = Self.stream(dims: [most + 1], payload: [UInt8](repeating: 0, count: 10), profile: 0)
        #expect(throws: NNRError.self) { try NNRBitstream.parse(bytes) }
    }

    @Test("all-zero tensors, the most compressible data, stay within the bound", arguments: [false, true])
    func zerosFit(rowSkipping: Bool) throws {
        var writer = NNRWriter()
        writer.profile = rowSkipping ? 1 : 0
        let dims = rowSkipping ? [4096, 256] : [1 << 20]
        let n = dims.reduce(1, *)
        let coding = TensorCodingOptions(rowSkipSyntax: rowSkipping, rowSkipping: rowSkipping)
        let bytes = try writer.write([NNRTensorInput(name: "z", dimensions: dims, data: .integers([Int32](repeating: 0, count: n)),
                                                     coding: coding)])
        let stream = try NNRBitstream.parse(bytes)
        #expect(stream.tensors.first?.values == .int32([Int32](repeating: 0, count: n)))
        // The bound holds with room to spare: the encoder gets nowhere near it.
        let payload = bytes.count - 40
        #expect(n <= NNRLimits.maxCodedElements(payloadBytes: payload, rowWidth: dims.dropFirst().reduce(1, *), rowSkipping: rowSkipping))
    }
}
