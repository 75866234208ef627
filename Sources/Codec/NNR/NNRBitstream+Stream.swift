/// Unit-by-unit decoding that keeps only one tensor alive at a time, for decoding large
/// models within a small memory budget.
extension NNRBitstream {
    /// What the stream carries besides tensors.
    public struct Header: Sendable, Equatable {
        public var profile: UInt8?
        public var modelParameterSet: NNRModelParameterSet?
        public var topologyUnits: [NNRTopologyUnit] = []
        public var unitCount = 0
    }

    /// Reads every unit of `bytes` in order, calling `tensor` for each compressed-data unit
    /// as soon as it is decoded (the tensor is not retained). Errors are the same as `parse`.
    @discardableResult
    public static func decode(_ bytes: [UInt8], limits: NNRLimits = NNRLimits(),
                              topology: (NNRTopologyUnit) throws -> Void = { _ in },
                              tensor body: (NNRDecodedTensor, _ unitBytes: Int) throws -> Void) throws -> Header {
        var context = NNRSyntaxContext()
        var header = Header()
        var offset = 0
        while offset < bytes.count {
            let index = header.unitCount
            let unit = try NNRUnitSyntax.read(bytes, at: offset, index: index, context: &context, limits: limits)
            if index == 0, unit.header.type != .start {
                throw NNRError(.badUnitOrder("stream does not begin with a start unit"), byteOffset: offset, unitIndex: 0)
            }
            switch unit.body {
            case .start(let p): header.profile = p
            case .modelParameterSet(let m): header.modelParameterSet = m
            case .topology(let t):
                header.topologyUnits.append(t)
                try topology(t)
            case .compressedData(let ndu):
                let payloadOffset = offset + unit.size - ndu.payload.count
                let decoded: NNRDecodedTensor
                do throws(NNRError) {
                    decoded = try decodeTensor(ndu, profile: context.profile ?? 1, mps: context.mps!, payloadOffset: payloadOffset)
                } catch {
                    var e = error
                    e.unitIndex = index
                    e.tensorName = ndu.header.tensorName
                    throw e
                }
                try body(decoded, unit.size)
            default:
                break
            }
            header.unitCount += 1
            offset += unit.size
        }
        if header.unitCount == 0 { throw NNRError(.truncated, byteOffset: 0) }
        return header
    }
}
