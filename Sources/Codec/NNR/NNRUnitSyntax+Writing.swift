// Writing NNR units: the inverse of the reading half in NNRUnitSyntax.swift.

extension NNRUnitSyntax {
    /// Serializes a unit, size field included (2 bytes when the unit is under 32768 bytes).
    static func write(_ unit: NNRUnit, context: inout NNRSyntaxContext) -> [UInt8] {
        var w = NNRBitWriter()
        w.u(6, UInt64(unit.header.type.rawValue))
        w.flag(unit.header.independentlyDecodable)
        w.flag(unit.header.partialDataCounter != nil)
        if let c = unit.header.partialDataCounter { w.u(8, UInt64(c)) }
        switch unit.body {
        case .start(let profile):
            context.profile = profile
            w.u(8, UInt64(profile))
        case .modelParameterSet(let m):
            context.mps = m
            writeMPS(m, profile: context.profile ?? 1, into: &w)
        case .topology(let t):
            w.u(8, UInt64(t.storageFormat))
            w.u(8, UInt64(t.compressionFormat))
            w.append(t.data)
            if t.storageFormat != NNRTopologyStorageFormat.onnx { w.append([0]) }
        case .compressedData(let ndu):
            writeNDUHeader(ndu.header, profile: context.profile ?? 1, mps: context.mps ?? NNRModelParameterSet(), into: &w)
            w.append(ndu.payload)
        }
        let body = w.bytes
        if body.count + 2 < 32768 {
            let size = body.count + 2
            return [UInt8(size >> 8), UInt8(size & 0xFF)] + body
        }
        let size = body.count + 4
        precondition(size < (1 << 31), "unit too large")
        return [UInt8(0x80 | (size >> 24)), UInt8((size >> 16) & 0xFF), UInt8((size >> 8) & 0xFF), UInt8(size & 0xFF)] + body
    }

    private static func writeMPS(_ m: NNRModelParameterSet, profile: UInt8, into w: inout NNRBitWriter) {
        w.flag(m.topologyCarriage)
        w.flag(false); w.flag(false); w.flag(false); w.flag(false)
        w.u(3, UInt64(m.quantizationMethodFlags))
        w.flag(m.topologyIndexedReference)
        if profile == 1 {
            w.flag(m.baseModelId != nil)
            w.flag(m.validationSetPerformancePresent)
            w.flag(m.metricTypePerformanceMapValid)
            w.flag(m.parentSignallingEnabled)
            w.flag(m.parentSignallingEnabled && m.preFlag)
            w.u(2, 0)
            if let id = m.baseModelId { w.string(id) }
            if m.validationSetPerformancePresent || m.metricTypePerformanceMapValid {
                w.string(m.performanceMetricType ?? "")
            }
        } else {
            w.u(7, 0)
        }
        if m.hasQuantizationParameters {
            w.u(3, UInt64(m.qpDensity))
            w.i(13, Int64(m.quantizationParameter))
        }
        if profile == 1 && m.validationSetPerformancePresent {
            w.float32(m.validationSetPerformance ?? 0)
        }
        w.byteAlignment()
    }

    private static func writeNDUHeader(_ h: NNRCompressedDataHeader, profile: UInt8, mps: NNRModelParameterSet,
                                       into w: inout NNRBitWriter) {
        w.u(5, UInt64(h.payloadType.rawValue))
        w.flag(false)                           // nnr_multiple_topology_elements_present_flag
        w.flag(h.decompressedDataFormat != nil)
        w.flag(true)                            // input_parameters_present_flag
        w.string(h.tensorName)
        if profile == 1 {
            w.flag(h.nodeId != nil)
            if let n = h.nodeId {
                w.ue(1, UInt64(n.deviceId))
                w.ue(5, UInt64(n.parameterId))
                w.ue(4, UInt64(n.putNodeDepth))
            }
            if mps.parentSignallingEnabled { w.flag(false) }
        }
        if h.payloadType == .float { w.flag(false) }   // codebook_present_flag
        if h.payloadType != .rawFloat { w.flag(h.dqFlag) }
        if let f = h.decompressedDataFormat { w.u(7, UInt64(f)) }
        w.flag(true)                            // tensor_dimensions_flag
        w.flag(true)                            // cabac_unary_length_flag
        w.u(4, 0)                               // compressed_parameter_types
        w.ue(1, UInt64(h.dimensions.count))
        for d in h.dimensions { w.ue(7, UInt64(d)) }
        w.u(8, UInt64(h.cabacUnaryLengthMinus1))
        if h.dimensions.count > 1 {
            if profile == 1 { w.ue(1, UInt64(h.firstTensorDimensionShift)) }
            w.u(4, UInt64(h.scanOrder))
            if h.scanOrder > 0 {
                var previous: Int64 = 0
                for (j, ep) in h.entryPoints.enumerated() {
                    w.u(8, (ep >> 3) & 255)
                    if h.dqFlag { w.u(3, ep & 7) }
                    let offset = Int64(ep >> 11)
                    if j == 0 { w.ue(11, UInt64(offset)) } else { w.ie(7, offset - previous) }
                    previous = offset
                }
            }
        }
        w.byteAlignment()
    }
}
