// The only file in the package that calls liblzma. Everything else goes through the
// Swift types below: `LZMAError`, `LZMAEncoder`, `XZDecoder` and `CRC32`.
internal import CLZMA

/// A failure reported by liblzma, with the operation that failed and liblzma's return code.
public struct LZMAError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    init(_ operation: String, code: lzma_ret) {
        self.message = "liblzma \(operation) failed: \(LZMAError.name(of: code)) (\(code.rawValue))"
    }

    static func name(of code: lzma_ret) -> String {
        switch code {
        case LZMA_OK: return "LZMA_OK"
        case LZMA_STREAM_END: return "LZMA_STREAM_END"
        case LZMA_MEM_ERROR: return "LZMA_MEM_ERROR (cannot allocate memory)"
        case LZMA_MEMLIMIT_ERROR: return "LZMA_MEMLIMIT_ERROR"
        case LZMA_FORMAT_ERROR: return "LZMA_FORMAT_ERROR (input is not in the expected format)"
        case LZMA_OPTIONS_ERROR: return "LZMA_OPTIONS_ERROR (unsupported options)"
        case LZMA_DATA_ERROR: return "LZMA_DATA_ERROR (compressed data is corrupt)"
        case LZMA_BUF_ERROR: return "LZMA_BUF_ERROR (compressed data is truncated)"
        case LZMA_PROG_ERROR: return "LZMA_PROG_ERROR (programming error)"
        case LZMA_UNSUPPORTED_CHECK: return "LZMA_UNSUPPORTED_CHECK"
        default: return "unknown error"
        }
    }
}

/// The strongest preset of liblzma and of `xz -9e`: level 9 with the "extreme" flag.
let strongestPreset: UInt32 = 9 | 0x8000_0000  // 9 | LZMA_PRESET_EXTREME

// Function-like macros (LZMA_VLI_C) are not imported into Swift, so the IDs are spelled out.
private let filterLZMA1EXT: lzma_vli = 0x4000_0000_0000_0002  // LZMA_FILTER_LZMA1EXT
private let vliUnknown: lzma_vli = .max                       // LZMA_VLI_UNKNOWN

/// The five property bytes that describe a raw LZMA1 stream (the same bytes as the
/// `.lzma` header and the 7z coder properties): `(pb * 5 + lp) * 9 + lc`, then the
/// dictionary size as a little-endian 32-bit number.
public struct LZMAProperties: Sendable, Equatable {
    public var lc: UInt32
    public var lp: UInt32
    public var pb: UInt32
    public var dictionarySize: UInt32

    public var bytes: [UInt8] {
        let d = dictionarySize
        return [UInt8((pb * 5 + lp) * 9 + lc),
                UInt8(truncatingIfNeeded: d), UInt8(truncatingIfNeeded: d >> 8),
                UInt8(truncatingIfNeeded: d >> 16), UInt8(truncatingIfNeeded: d >> 24)]
    }

    /// The dictionary size that 7-Zip would store for an input of `size` bytes: the smallest
    /// 2^n or 3·2^n that holds the whole input (at least 4 KiB), and never more than `limit`.
    /// A dictionary larger than the input gains nothing and only costs the decoder memory.
    static func dictionarySize(forInputSize size: UInt64, limit: UInt32) -> UInt32 {
        var shift: UInt64 = 11
        while shift < 31 {
            if size <= 2 << shift { return UInt32(min(UInt64(limit), 2 << shift)) }
            if size <= 3 << shift { return UInt32(min(UInt64(limit), 3 << shift)) }
            shift += 1
        }
        return limit
    }
}

/// A liblzma encoder fed in pieces. Output is handed to a closure in chunks of at most
/// `outputChunkSize` bytes, so the caller decides whether to keep, write or only count it.
final class LZMAEncoder {
    enum Format {
        /// A complete `.xz` file (LZMA2, CRC64 check) at `9 | LZMA_PRESET_EXTREME`.
        case xz
        /// A raw LZMA1 stream with no end marker at `9 | LZMA_PRESET_EXTREME`, as 7-Zip stores
        /// in a `.7z` folder. The input size must be known up front (it picks the dictionary).
        case rawLZMA1(inputSize: UInt64)
    }

    private let stream: UnsafeMutablePointer<lzma_stream>
    private var output: [UInt8]
    private var finished = false
    /// Properties of the raw LZMA1 stream (nil for `.xz`).
    let properties: LZMAProperties?

    init(_ format: Format, outputChunkSize: Int = 1 << 20) throws {
        stream = .allocate(capacity: 1)
        stream.initialize(to: lzma_stream())  // all zero == LZMA_STREAM_INIT
        output = [UInt8](repeating: 0, count: max(outputChunkSize, 64))
        switch format {
        case .xz:
            properties = nil
            let ret = lzma_easy_encoder(stream, strongestPreset, LZMA_CHECK_CRC64)
            guard ret == LZMA_OK else {
                stream.deallocate()
                throw LZMAError("lzma_easy_encoder", code: ret)
            }
        case .rawLZMA1(let inputSize):
            var options = lzma_options_lzma()
            if lzma_lzma_preset(&options, strongestPreset) != 0 {
                stream.deallocate()
                throw LZMAError("lzma_lzma_preset(9e) failed")
            }
            options.dict_size = LZMAProperties.dictionarySize(forInputSize: inputSize, limit: options.dict_size)
            options.ext_flags = 0  // LZMA1EXT without LZMA_LZMA1EXT_ALLOW_EOPM: no end marker
            properties = LZMAProperties(lc: options.lc, lp: options.lp, pb: options.pb,
                                        dictionarySize: options.dict_size)
            let ret = withUnsafeMutablePointer(to: &options) { opts in
                var filters = [lzma_filter(id: filterLZMA1EXT, options: UnsafeMutableRawPointer(opts)),
                               lzma_filter(id: vliUnknown, options: nil)]
                return lzma_raw_encoder(stream, &filters)
            }
            guard ret == LZMA_OK else {
                stream.deallocate()
                throw LZMAError("lzma_raw_encoder(LZMA1EXT)", code: ret)
            }
        }
    }

    deinit {
        lzma_end(stream)
        stream.deallocate()
    }

    /// Compresses `input`; with `finish` the stream is closed after it. Every produced chunk is
    /// passed to `sink` before this returns.
    func encode(_ input: UnsafeRawBufferPointer, finish: Bool,
                sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        precondition(!finished, "LZMAEncoder used after finishing")
        if input.isEmpty && !finish { return }
        finished = try runCoder(stream, &output, input, finish: finish, call: "lzma_code", sink: sink)
    }
}

/// Feeds `input` to `stream` and passes every produced chunk to `sink`, until the input is
/// consumed and liblzma has nothing more ready (or, with `finish`, until the stream ends).
/// Returns whether the stream ended. The one `lzma_code` loop of the encoder and decoder.
private func runCoder(_ stream: UnsafeMutablePointer<lzma_stream>, _ output: inout [UInt8],
                      _ input: UnsafeRawBufferPointer, finish: Bool, call: String,
                      sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Bool {
    let action = finish ? LZMA_FINISH : LZMA_RUN
    stream.pointee.next_in = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
    stream.pointee.avail_in = input.count
    defer { stream.pointee.next_in = nil; stream.pointee.avail_in = 0 }
    return try output.withUnsafeMutableBufferPointer { out in
        while true {
            stream.pointee.next_out = out.baseAddress
            stream.pointee.avail_out = out.count
            let ret = lzma_code(stream, action)
            let produced = out.count - stream.pointee.avail_out
            if produced > 0 { try sink(UnsafeRawBufferPointer(start: out.baseAddress, count: produced)) }
            switch ret {
            case LZMA_STREAM_END:
                if stream.pointee.avail_in > 0 {
                    throw LZMAError("xz decoding failed: data after the end of the stream")
                }
                return true
            case LZMA_OK:
                // Without finishing, stop once the input is consumed and the output buffer was
                // not filled (liblzma has nothing more ready for us).
                if !finish && stream.pointee.avail_in == 0 && stream.pointee.avail_out > 0 { return false }
            default:
                throw LZMAError(call, code: ret)
            }
        }
    }
}

/// Streaming `.xz` decoder; used to check round trips.
final class XZDecoder {
    private let stream: UnsafeMutablePointer<lzma_stream>
    private var output: [UInt8]
    private(set) var finished = false

    init(outputChunkSize: Int = 1 << 20) throws {
        stream = .allocate(capacity: 1)
        stream.initialize(to: lzma_stream())
        output = [UInt8](repeating: 0, count: max(outputChunkSize, 64))
        let ret = lzma_stream_decoder(stream, .max, 0)
        guard ret == LZMA_OK else {
            stream.deallocate()
            throw LZMAError("lzma_stream_decoder", code: ret)
        }
    }

    deinit {
        lzma_end(stream)
        stream.deallocate()
    }

    /// Decodes `input`; pass `finish` with the last piece. Throws on corrupt or truncated data
    /// and on bytes after the end of the stream.
    func decode(_ input: UnsafeRawBufferPointer, finish: Bool,
                sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        if finished {
            if input.isEmpty { return }
            throw LZMAError("xz decoding failed: data after the end of the stream")
        }
        if input.isEmpty && !finish { return }
        finished = try runCoder(stream, &output, input, finish: finish, call: "lzma_code (xz decoder)", sink: sink)
    }
}

/// CRC-32 (IEEE 802.3, as in zip and 7z), computed by liblzma.
public struct CRC32: Sendable, Equatable {
    public private(set) var value: UInt32 = 0
    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        value = lzma_crc32(base.assumingMemoryBound(to: UInt8.self), bytes.count, value)
    }

    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc = CRC32()
        crc.update(bytes)
        return crc.value
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }
}
