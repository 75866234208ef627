#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Places in a model file for tensor payloads written later, so that a decoder can write
/// each tensor into the file as soon as it is decoded.
///
/// `placeholder(k)` is a payload of `sizes[k]` bytes that stands for bytes not known yet. A
/// model holding placeholders is written by `Model.writeInline(to:file:holes:)`, which lays
/// the file out byte for byte as `save(to:options:)` with `.inlineAll` would with the real
/// payloads, and leaves the placeholders' bytes unwritten (a sparse hole each). Placeholders
/// point into address space reserved without access rights: reading one crashes instead of
/// reading stray memory. They serve that one write and nothing else.
public final class PayloadHoles: @unchecked Sendable {
    public let sizes: [Int]
    private let starts: [Int]
    private let byStart: [Int: Int]
    private let base: UnsafeMutableRawPointer
    private let span: Int

    public init(sizes: [Int]) {
        precondition(sizes.allSatisfy { $0 >= 0 })
        self.sizes = sizes
        var starts: [Int] = [], byStart: [Int: Int] = [:], total = 0
        for (k, n) in sizes.enumerated() {
            starts.append(total)
            if n > 0 { byStart[total] = k }
            total += n
        }
        self.starts = starts
        self.byStart = byStart
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        span = max(page, (total + page - 1) / page * page)
        let p = mmap(nil, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        guard let p, p != MAP_FAILED else { fatalError("PayloadHoles: cannot reserve \(span) bytes of address space") }
        base = p
    }

    deinit { munmap(base, span) }

    /// The stand-in for payload `k` (an empty payload when its size is 0).
    public func placeholder(_ k: Int) -> TensorBytes {
        guard sizes[k] > 0 else { return TensorBytes() }
        return TensorBytes(adopting: base + starts[k], count: sizes[k], release: { _ in })
    }

    /// The reserved region, for the packer to recognise placeholders by address.
    var region: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: span) }

    /// The payload whose placeholder starts `key` bytes into the region.
    func index(ofKey key: Int) -> Int? { byStart[key] }
}

extension Model {
    /// Writes the model to `fd` as `save(to:options:)` with `.inlineAll` lays out its file
    /// (external tensors inlined), except that the payloads of `holes` are left unwritten;
    /// returns the file offset of each hole's payload (nil for a size-0 payload or one this
    /// model does not hold). The file is as long as the finished model: writing every hole's
    /// bytes at its offset completes it. `file` names the file in errors.
    public func writeInline(to fd: Int32, file: String, holes: PayloadHoles) throws(ONNXError) -> [Int?] {
        let model = inlined()
        guard let found = ProtobufBridge.write(.model, to: fd, holes: holes.region, maxHoles: holes.sizes.count + 1, {
            ProtoEncode.model(model, $0)
        }) else {
            throw ONNXError(.writeFailed, file: file, detail: "write failed: \(String(cString: strerror(errno)))", hint: "is the disk full?")
        }
        var offsets = [Int?](repeating: nil, count: holes.sizes.count)
        for (key, offset) in found {
            guard let k = holes.index(ofKey: key), offsets[k] == nil else {
                preconditionFailure("writeInline: a placeholder was written twice or does not belong to these holes")
            }
            offsets[k] = offset
        }
        return offsets
    }
}
