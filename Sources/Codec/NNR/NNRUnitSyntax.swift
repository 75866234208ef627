/// What earlier units fix for the syntax of later ones.
struct NNRSyntaxContext: Sendable {
    var profile: UInt8? = nil
    var mps: NNRModelParameterSet? = nil
}

enum NNRUnitSyntax {
    // MARK: Reading

    /// Bytes a header-only read takes first (a compressed-data header rarely needs more).
    static let headerPrefix = 1024

    /// Reads the unit starting at `offset`. Returns it with `byteOffset`, `size` and
    /// `payloadOffset` set. A large compressed-data unit is parsed from its first
    /// `headerPrefix` bytes and its payload read on its own, straight from `stream` into the
    /// unit (no copy of the whole unit first). With `headerOnly` such a unit comes with an
    /// empty payload. Either way the checks and errors are those of a read of the whole unit:
    /// any failure of the short read is redone on the whole unit.
    static func read<S: NNRByteSource>(_ stream: S, at offset: Int, index: Int, context: inout NNRSyntaxContext,
                                       limits: NNRLimits, headerOnly: Bool = false) throws(NNRError) -> NNRUnit {
        let remaining = stream.count - offset
        guard remaining >= 2 else { throw NNRError(.truncated, byteOffset: offset, unitIndex: index) }
        let first = try stream.bytes(at: offset, length: min(5, remaining))
        let long = first[0] & 0x80 != 0
        let fieldSize = long ? 4 : 2
        guard remaining >= fieldSize else { throw NNRError(.truncated, byteOffset: offset, unitIndex: index) }
        var size = Int(first[0] & 0x7F)
        for i in 1..<fieldSize { size = (size << 8) | Int(first[i]) }
        guard size >= fieldSize + 1 else { throw NNRError(.badUnitSize(size), byteOffset: offset, unitIndex: index) }
        guard size <= remaining else { throw NNRError(.truncated, byteOffset: offset, unitIndex: index) }

        let bodySize = size - fieldSize
        if bodySize > Self.headerPrefix, first.count > fieldSize, first[fieldSize] >> 2 == NNRUnitType.compressedData.rawValue {
            var shortContext = context
            var r = NNRBitReader(try stream.bytes(at: offset + fieldSize, length: Self.headerPrefix), streamOffset: offset + fieldSize)
            if var unit = try? readBody(&r, context: &shortContext, limits: limits, unreadBytes: bodySize - Self.headerPrefix),
               case .compressedData(var ndu) = unit.body {
                let payloadStart = offset + fieldSize + Self.headerPrefix - ndu.payload.count
                do throws(NNRError) {
                    ndu.payload = headerOnly ? [] : try stream.bytes(at: payloadStart, length: offset + size - payloadStart)
                } catch {
                    var e = error
                    e.unitIndex = index
                    e.tensorName = ndu.header.tensorName
                    throw e
                }
                unit.body = .compressedData(ndu)
                unit.byteOffset = offset
                unit.size = size
                unit.payloadOffset = payloadStart
                context = shortContext
                return unit
            }
        }
        var r = NNRBitReader(try stream.bytes(at: offset + fieldSize, length: bodySize), streamOffset: offset + fieldSize)
        do throws(NNRError) {
            var unit = try readBody(&r, context: &context, limits: limits)
            unit.byteOffset = offset
            unit.size = size
            if case .compressedData(let ndu) = unit.body { unit.payloadOffset = offset + size - ndu.payload.count }
            return unit
        } catch {
            var e = error
            e.unitIndex = index
            throw e
        }
    }

    /// `unreadBytes`: bytes of the unit after the end of `r` (a header-only read).
    private static func readBody(_ r: inout NNRBitReader, context: inout NNRSyntaxContext,
                                 limits: NNRLimits, unreadBytes: Int = 0) throws(NNRError) -> NNRUnit {
        let rawType = Int(try r.u(6))
        guard let type = NNRUnitType(rawValue: UInt8(rawType)) else { throw r.error(.badUnitType(rawType)) }
        let independent = try r.flag()
        let counter: UInt8? = try r.flag() ? UInt8(try r.u(8)) : nil
        let header = NNRUnitHeader(type: type, independentlyDecodable: independent, partialDataCounter: counter)

        let body: NNRUnit.Body
        switch type {
        case .start:
            let profile = UInt8(try r.u(8))
            context.profile = profile
            body = .start(profile: profile)
        case .modelParameterSet:
            guard let profile = context.profile else { throw r.error(.badUnitOrder("model parameter set before start unit")) }
            guard context.mps == nil else { throw r.error(.badUnitOrder("second model parameter set")) }
            let mps = try readMPS(&r, profile: profile)
            context.mps = mps
            body = .modelParameterSet(mps)
        case .topology:
            body = .topology(try readTopology(&r))
        case .compressedData:
            guard let profile = context.profile else { throw r.error(.badUnitOrder("compressed data before start unit")) }
            guard let mps = context.mps else { throw r.error(.badUnitOrder("compressed data before model parameter set")) }
            if counter != nil { throw r.error(.unsupported("partial_data_counter in a compressed-data unit")) }
            body = .compressedData(try readNDU(&r, profile: profile, mps: mps, limits: limits, unreadBytes: unreadBytes))
        case .layerParameterSet, .quantization, .aggregate:
            throw r.error(.unsupported("unit type \(type)"))
        }
        if r.bitPosition != r.endBit {
            throw r.error(.trailingBytes(r.bytes.count - r.bytePosition))
        }
        return NNRUnit(header: header, body: body)
    }

    private static func readMPS(_ r: inout NNRBitReader, profile: UInt8) throws(NNRError) -> NNRModelParameterSet {
        var m = NNRModelParameterSet()
        m.topologyCarriage = try r.flag()
        let sparsification = try r.flag()
        let pruning = try r.flag()
        let unification = try r.flag()
        let decomposition = try r.flag()
        m.quantizationMethodFlags = UInt8(try r.u(3))
        m.topologyIndexedReference = try r.flag()
        var baseModel = false
        if profile == 1 {
            baseModel = try r.flag()
            m.validationSetPerformancePresent = try r.flag()
            m.metricTypePerformanceMapValid = try r.flag()
            m.parentSignallingEnabled = try r.flag()
            m.preFlag = try r.flag() && m.parentSignallingEnabled
            _ = try r.u(2)
            if baseModel { m.baseModelId = try r.string() }
            if m.validationSetPerformancePresent || m.metricTypePerformanceMapValid {
                m.performanceMetricType = try r.string()
            }
        } else {
            _ = try r.u(7)
        }
        if m.hasQuantizationParameters {
            m.qpDensity = Int(try r.u(3))
            m.quantizationParameter = Int(try r.i(13))
        }
        if sparsification || pruning || unification || decomposition {
            throw r.error(.unsupported("performance maps in the model parameter set"))
        }
        if profile == 1 && m.validationSetPerformancePresent {
            m.validationSetPerformance = try r.float32()
        }
        try r.byteAlignment()
        return m
    }

    private static func readTopology(_ r: inout NNRBitReader) throws(NNRError) -> NNRTopologyUnit {
        var t = NNRTopologyUnit()
        t.storageFormat = UInt8(try r.u(8))
        t.compressionFormat = UInt8(try r.u(8))
        switch t.storageFormat {
        case NNRTopologyStorageFormat.onnx:
            t.data = r.remainingBytes()
        case NNRTopologyStorageFormat.pruning, NNRTopologyStorageFormat.referenceList:
            throw r.error(.unsupported("topology storage format \(t.storageFormat)"))
        default:
            let start = r.bytePosition
            _ = try r.string()
            t.data = Array(r.bytes[start..<(r.bytePosition - 1)])
        }
        return t
    }

    private static func readNDU(_ r: inout NNRBitReader, profile: UInt8, mps: NNRModelParameterSet,
                                limits: NNRLimits, unreadBytes: Int) throws(NNRError) -> NNRCompressedDataUnit {
        let rawType = Int(try r.u(5))
        guard let payloadType = NNRPayloadType(rawValue: UInt8(rawType)) else {
            throw r.error(.invalidValue("payload type \(rawType)"))
        }
        let multiple = try r.flag()
        let formatPresent = try r.flag()
        let inputParameters = try r.flag()
        if multiple || payloadType == .block {
            throw r.error(.unsupported("NNR_PT_BLOCK / multiple topology elements"))
        }
        if mps.topologyIndexedReference {
            throw r.error(.unsupported("indexed topology references"))
        }
        var h = NNRCompressedDataHeader(payloadType: payloadType, tensorName: try r.string(), dimensions: [])
        do throws(NNRError) {
            h.inputParametersPresent = inputParameters
            h.nodeId = nil
            if profile == 1 {
                if try r.flag() {
                    let device = Int(try r.ue(1)), parameter = Int(try r.ue(5)), depth = Int(try r.ue(4))
                    h.nodeId = .init(deviceId: device, parameterId: parameter, putNodeDepth: depth)
                }
                if mps.parentSignallingEnabled, try r.flag() {
                    throw r.error(.unsupported("parent node ids (incremental updates)"))
                }
            }
            if payloadType == .float, try r.flag() {
                throw r.error(.unsupported("codebooks"))
            }
            if payloadType != .rawFloat { h.dqFlag = try r.flag() }
            if formatPresent { h.decompressedDataFormat = UInt8(try r.u(7)) }
            guard inputParameters else {
                throw r.error(.unsupported("tensor parameters signalled out of band"))
            }
            let dimensionsPresent = try r.flag()
            let unaryLengthPresent = try r.flag()
            h.compressedParameterTypes = UInt8(try r.u(4))
            if h.compressedParameterTypes != 0 {
                throw r.error(.unsupported("compressed_parameter_types \(h.compressedParameterTypes)"))
            }
            guard dimensionsPresent else { throw r.error(.unsupported("tensor dimensions signalled out of band")) }
            try readShape(&r, into: &h, profile: profile, limits: limits, unaryLengthPresent: unaryLengthPresent)
            try r.byteAlignment()
        } catch {
            var e = error
            e.tensorName = h.tensorName
            throw e
        }
        let payload = r.remainingBytes()
        if payloadType == .int || payloadType == .float {
            let payloadBytes = payload.count + unreadBytes
            let most = NNRLimits.maxCodedElements(payloadBytes: payloadBytes, rowWidth: h.rowWidth, rowSkipping: profile == 1)
            guard h.elementCount <= most else {
                throw NNRError(.invalidValue("a tensor of \(h.elementCount) elements cannot be coded in \(payloadBytes) bytes"),
                               byteOffset: r.streamOffset, tensorName: h.tensorName)
            }
        }
        return NNRCompressedDataUnit(header: h, payload: payload)
    }

    /// Reads the dimensions, the unary length and (for blocked scans) the entry points of a
    /// compressed-data header.
    private static func readShape(_ r: inout NNRBitReader, into h: inout NNRCompressedDataHeader, profile: UInt8,
                                  limits: NNRLimits, unaryLengthPresent: Bool) throws(NNRError) {
        let count = try r.ue(1)
        guard count >= 1 && count <= UInt64(limits.maxDimensions) else {
            throw r.error(.invalidValue("\(count) tensor dimensions"))
        }
        var elements = 1
        for _ in 0..<Int(count) {
            let d = try r.ue(7)
            guard d >= 1 && d <= UInt64(limits.maxTensorElements) else { throw r.error(.invalidValue("tensor dimension \(d)")) }
            elements *= Int(d)
            guard elements <= limits.maxTensorElements else {
                throw r.error(.invalidValue("tensor of more than \(limits.maxTensorElements) elements"))
            }
            h.dimensions.append(Int(d))
        }
        h.cabacUnaryLengthMinus1 = unaryLengthPresent ? Int(try r.u(8)) : 9
        if count > 1 {
            if profile == 1 { h.firstTensorDimensionShift = Int(try r.ue(1)) }
            h.scanOrder = Int(try r.u(4))
            if h.scanOrder > 0 {
                guard h.scanOrder <= 4 else { throw r.error(.invalidValue("scan order \(h.scanOrder)")) }
                let blockDim = 4 << h.scanOrder
                let rowsMinus1 = ((h.dimensions[0] + blockDim - 1) >> (2 + h.scanOrder)) - 1
                var previous: Int64 = 0
                for j in 0..<rowsMinus1 {
                    let value = try r.u(8)
                    let state = h.dqFlag ? try r.u(3) : 0
                    let offset: Int64 = j == 0 ? Int64(try r.ue(11)) : previous + (try r.ie(7))
                    guard offset >= 0 && offset < (Int64(1) << 40) else { throw r.error(.invalidValue("entry point \(offset)")) }
                    previous = offset
                    h.entryPoints.append((UInt64(offset) << 11) | (value << 3) | state)
                }
            }
        }
    }
}
