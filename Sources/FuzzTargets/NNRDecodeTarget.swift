import Codec
import ONNXIO

/// `fuzz-nnr-decode`: a whole NNR stream to tensors and to a model, and the same bytes as
/// the payload of an ONNX topology unit (stored and DEFLATE'd).
enum NNRDecodeTarget {
    static func run(_ bytes: [UInt8]) throws(FuzzFinding) {
        var limits = NNRLimits()
        limits.maxTensorElements = FuzzBounds.maxTensorElements
        try checkHeaderOnly(bytes, limits: limits)
        guard declaredElements(bytes, limits: limits) <= FuzzBounds.maxStreamElements else { return try checkTopology(bytes) }
        try checkThreadCount(bytes, limits: limits)
        if let stream = try? NNRBitstream.parse(bytes, limits: limits) {
            try checkValuesWithoutLevels(bytes, stream, limits: limits)
            for t in stream.tensors {
                let n = t.dimensions.reduce(1, *)
                let count: Int
                switch t.values {
                case .float32(let v): count = v.count
                case .int32(let v): count = v.count
                }
                guard count == n else {
                    throw FuzzFinding(.nnrDecode, "tensor '\(t.name)' decoded \(count) values for dims \(t.dimensions)")
                }
            }
            // The whole decode to a model, when the stream carries an ONNX graph. It passed
            // the tighter limits above, so the model decoder's defaults allow no more.
            if stream.topologyUnits.contains(where: { $0.storageFormat == NNRTopologyStorageFormat.onnx }) {
                _ = try? ModelDecoder.decode(bytes, source: "fuzz.nnc", threads: 1)
            }
        }
        try checkTopology(bytes)
    }

    /// The same bytes as the payload of an ONNX topology unit (stored and DEFLATE'd).
    static func checkTopology(_ bytes: [UInt8]) throws(FuzzFinding) {
        for format: UInt8 in [0, TopologyCodec.deflate] {
            let unit = NNRTopologyUnit(storageFormat: NNRTopologyStorageFormat.onnx, compressionFormat: format, data: bytes)
            if let model = try? TopologyCodec.model(from: unit, source: "fuzz.nnc") {
                try ONNXLoadTarget.checkReserialization(model, target: .nnrDecode)
            }
        }
    }

    /// A header-only listing (what a threaded decode starts with) must find the units and
    /// the first error a full read finds.
    static func checkHeaderOnly(_ bytes: [UInt8], limits: NNRLimits) throws(FuzzFinding) {
        func list(_ headerOnly: Bool) -> String {
            var out: [String] = []
            do {
                try NNRBitstream.readUnits(bytes, limits: limits, headerOnly: headerOnly) { unit, _ in
                    var u = unit
                    if case .compressedData(var ndu) = u.body { ndu.payload = []; u.body = .compressedData(ndu) }
                    out.append("\(u)")
                }
            } catch {
                out.append("error: \(error)")
            }
            return out.joined(separator: "\n")
        }
        let full = list(false), headers = list(true)
        guard full == headers else {
            throw FuzzFinding(.nnrDecode, "a header-only listing differs from a full read:\n\(headers)\nvs\n\(full)")
        }
    }

    /// Two threads (tensors in parallel, a tensor with entry points split at them) must give
    /// what one thread gives: the same values bit for bit, or the same first error.
    static func checkThreadCount(_ bytes: [UInt8], limits: NNRLimits) throws(FuzzFinding) {
        func outcome(_ threads: Int) -> String {
            var out: [String] = []
            do {
                try NNRBitstream.decode(bytes, limits: limits, threads: threads, keepLevels: false) { t, _ in
                    switch t.values {
                    case .float32(let f): out.append("\(t.name) f \(f.map(\.bitPattern))")
                    case .int32(let i): out.append("\(t.name) i \(i)")
                    }
                }
            } catch {
                out.append("error: \(error)")
            }
            return out.joined(separator: "\n")
        }
        let one = outcome(1), two = outcome(2)
        guard one == two else {
            throw FuzzFinding(.nnrDecode, "two threads decode otherwise than one:\n\(two.suffix(600))\nvs\n\(one.suffix(600))")
        }
    }

    /// A decode that drops levels (FLOAT values written by the level loop itself) must give
    /// the values `parse` reconstructs from the levels, bit for bit.
    static func checkValuesWithoutLevels(_ bytes: [UInt8], _ stream: NNRBitstream, limits: NNRLimits) throws(FuzzFinding) {
        func bits(_ v: NNRTensorValues) -> [UInt32] {
            switch v {
            case .float32(let f): return f.map(\.bitPattern)
            case .int32(let i): return i.map { UInt32(bitPattern: $0) }
            }
        }
        var values: [[UInt32]] = []
        do {
            try NNRBitstream.decode(bytes, limits: limits, keepLevels: false) { t, _ in values.append(bits(t.values)) }
        } catch {
            throw FuzzFinding(.nnrDecode, "a decode without levels fails where parse succeeds: \(error)")
        }
        guard values == stream.tensors.map({ bits($0.values) }) else {
            throw FuzzFinding(.nnrDecode, "a decode without levels gives other values than parse")
        }
    }

    /// The elements the stream's compressed data units declare, read from the unit headers
    /// alone (no CABAC): those of the units before a header error when there is one, since
    /// `parse` decodes exactly those before it fails.
    static func declaredElements(_ bytes: [UInt8], limits: NNRLimits) -> Int {
        var total = 0
        _ = try? NNRBitstream.readUnits(bytes, limits: limits) { unit, _ in
            if case .compressedData(let ndu) = unit.body { total += ndu.header.elementCount }
        }
        return total
    }
}
