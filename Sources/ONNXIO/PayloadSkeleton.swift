/// Parsing a mapped model without copying its large initializers' payloads.
///
/// libprotobuf-c copies every bytes field it unpacks, so parsing a mapped 65 MB model copies
/// 65 MB into fresh pages (page faults and zero-fills) on one thread before any work starts.
/// `strip` rewrites the wire bytes with the `raw_data` of the main graph's large
/// initializers emptied (a few KB are left to parse) and says where each payload lies in the
/// file; `Model.load(mapExternalData:)` then points those tensors at the mapping itself.
/// Only the plain shape is handled: one `graph` field, at most one `raw_data` per
/// initializer, a well-formed walk; anything else parses the whole file as before.
package enum PayloadSkeleton {
    /// Payloads of at least this many bytes stay in the mapping.
    package static let minimumBytes = 1 << 16

    /// A payload left out: the index of its initializer and its bytes in the file.
    struct Cut: Equatable {
        var initializer: Int
        var range: Range<Int>
    }

    /// The model's bytes with the large payloads emptied, and where they were; nil when the
    /// file is not of the plain shape or has no payload of `minimumBytes`.
    static func strip(_ b: UnsafeRawBufferPointer, minimumBytes: Int = PayloadSkeleton.minimumBytes) -> (skeleton: [UInt8], cuts: [Cut])? {
        var out: [UInt8] = []
        var cuts: [Cut] = []
        var graphs = 0
        var top = WireFields(b, from: 0, to: b.count, rejectingFieldZero: true)
        while let step = top.next() {
            guard case .field(let f) = step else { return nil }
            guard f.number == 7, f.wireType == 2, let r = f.payload else {
                out.append(contentsOf: b[f.start..<f.end])
                continue
            }
            graphs += 1
            guard let graph = stripGraph(b, r, minimumBytes, cuts: &cuts) else { return nil }
            message(7, graph, into: &out)
        }
        guard graphs == 1, !cuts.isEmpty else { return nil }
        return (out, cuts)
    }

    /// The graph's bytes with its initializers' large payloads emptied.
    private static func stripGraph(_ b: UnsafeRawBufferPointer, _ r: Range<Int>, _ minimumBytes: Int, cuts: inout [Cut]) -> [UInt8]? {
        var out: [UInt8] = []
        var initializers = 0
        var fields = WireFields(b, from: r.lowerBound, to: r.upperBound, rejectingFieldZero: true)
        while let step = fields.next() {
            guard case .field(let f) = step else { return nil }
            guard f.number == 5, f.wireType == 2, let t = f.payload else {
                out.append(contentsOf: b[f.start..<f.end])
                continue
            }
            defer { initializers += 1 }
            var tensor: [UInt8] = []
            var rawFields = 0
            var cut: Range<Int>? = nil
            var inner = WireFields(b, from: t.lowerBound, to: t.upperBound, rejectingFieldZero: true)
            while let s = inner.next() {
                guard case .field(let g) = s else { return nil }
                if g.number == 9 { rawFields += 1 }
                if g.number == 9, g.wireType == 2, let p = g.payload, p.count >= minimumBytes {
                    cut = p
                    tensor += [9 << 3 | 2, 0]   // raw_data, present and empty
                } else {
                    tensor.append(contentsOf: b[g.start..<g.end])
                }
            }
            guard rawFields <= 1 else { return nil }
            if let cut {
                cuts.append(Cut(initializer: initializers, range: cut))
                message(5, tensor, into: &out)
            } else {
                out.append(contentsOf: b[f.start..<f.end])
            }
        }
        return out
    }

    /// Appends a length-delimited field.
    private static func message(_ number: UInt64, _ body: [UInt8], into out: inout [UInt8]) {
        varint(number << 3 | 2, into: &out)
        varint(UInt64(body.count), into: &out)
        out += body
    }

    private static func varint(_ v: UInt64, into out: inout [UInt8]) {
        var v = v
        while v >= 0x80 {
            out.append(UInt8(v & 0x7f) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }
}
