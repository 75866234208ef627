import CABAC

/// The values of a decoded tensor: float32 (FLOAT and RAW_FLOAT payloads) or int32 (INT).
public enum NNRTensorValues: Sendable, Equatable {
    case float32([Float])
    case int32([Int32])
}

/// One tensor decoded from a compressed-data unit.
public struct NNRDecodedTensor: Sendable, Equatable {
    public var name: String
    public var dimensions: [Int]
    public var payloadType: NNRPayloadType
    /// FLOAT: the tensor's qp and the model's qp density; nil otherwise.
    public var qp: Int?
    public var qpDensity: Int?
    public var dependentQuantization: Bool
    /// FLOAT: reconstruction levels (multiples of Δ); INT: the values; RAW_FLOAT: empty.
    public var levels: [Int32]
    /// Reconstructed values, as NNCodec 2.1.3 returns them.
    public var values: NNRTensorValues

    /// FLOAT: the step size Δ as a float32.
    public var stepSize: Float? {
        guard let qp, let qpDensity else { return nil }
        return NNRQuantization.stepSize(qp: qp, qpDensity: qpDensity)
    }
}

/// Step size and reconstruction exactly as NNCodec 2.1.3 computes them.
public enum NNRQuantization {
    /// Δ = (2^d + (qp mod 2^d)) · 2^(floor(qp / 2^d) − d), computed in double and rounded to
    /// float32 (round to nearest even).
    public static func stepSize(qp: Int, qpDensity d: Int) -> Float {
        Float(exactStep(qp: qp, qpDensity: d))
    }

    /// Δ in double, before rounding to float32: the one formula the decoder and the
    /// quantizers (`QuantStep`) share.
    static func exactStep(qp: Int, qpDensity d: Int) -> Double {
        let k = 1 << d
        let mul = k + (qp & (k - 1))
        let shift = qp >> d
        return Double(mul) * Double(sign: .plus, exponent: shift - d, significand: 1)
    }

    /// float32(level) · Δ in float32 arithmetic.
    public static func reconstruct(levels: [Int32], stepSize: Float) -> [Float] {
        levels.map { Float($0) * stepSize }
    }
}

/// A parsed NNR bitstream: its units and the tensors of its compressed-data units.
public struct NNRBitstream: Sendable, Equatable {
    public var units: [NNRUnit]
    public var tensors: [NNRDecodedTensor]

    /// `general_profile_idc` of the start unit.
    public var profile: UInt8? {
        for u in units { if case .start(let p) = u.body { return p } }
        return nil
    }

    public var modelParameterSet: NNRModelParameterSet? {
        for u in units { if case .modelParameterSet(let m) = u.body { return m } }
        return nil
    }

    public var topologyUnits: [NNRTopologyUnit] {
        units.compactMap { if case .topology(let t) = $0.body { return t } else { return nil } }
    }

    /// Reads every unit and decodes every tensor. Fails cleanly (an `NNRError` with offset,
    /// unit and tensor) on truncation, trailing garbage, bad sizes or types and corrupt
    /// entropy-coded data.
    public static func parse(_ bytes: [UInt8], limits: NNRLimits = NNRLimits()) throws(NNRError) -> NNRBitstream {
        var context = NNRSyntaxContext()
        var units: [NNRUnit] = []
        var tensors: [NNRDecodedTensor] = []
        var offset = 0
        while offset < bytes.count {
            let index = units.count
            let unit = try NNRUnitSyntax.read(bytes, at: offset, index: index, context: &context, limits: limits)
            if index == 0, unit.header.type != .start {
                throw NNRError(.badUnitOrder("stream does not begin with a start unit"), byteOffset: offset, unitIndex: 0)
            }
            if case .compressedData(let ndu) = unit.body {
                let payloadOffset = offset + unit.size - ndu.payload.count
                do throws(NNRError) {
                    tensors.append(try decodeTensor(ndu, profile: context.profile ?? 1, mps: context.mps!,
                                                    payloadOffset: payloadOffset))
                } catch {
                    var e = error
                    e.unitIndex = index
                    e.tensorName = ndu.header.tensorName
                    throw e
                }
            }
            units.append(unit)
            offset += unit.size
        }
        if units.isEmpty { throw NNRError(.truncated, byteOffset: 0) }
        return NNRBitstream(units: units, tensors: tensors)
    }

    /// Decodes one compressed-data unit. Without `keepLevels` a FLOAT tensor comes with
    /// empty `levels`: its values are decoded straight into their array. With a `runner` and
    /// entry points, its rows of blocks are decoded through it (`decodeBlockRows`), with the
    /// same result and errors as one thread.
    static func decodeTensor(_ ndu: NNRCompressedDataUnit, profile: UInt8, mps: NNRModelParameterSet, payloadOffset: Int,
                             keepLevels: Bool = true, runner: SegmentRunner? = nil) throws(NNRError) -> NNRDecodedTensor {
        let h = ndu.header
        let count = h.elementCount
        var tensor = NNRDecodedTensor(name: h.tensorName, dimensions: h.dimensions, payloadType: h.payloadType,
                                      qp: nil, qpDensity: nil, dependentQuantization: false, levels: [],
                                      values: .float32([]))
        switch h.payloadType {
        case .rawFloat:
            guard ndu.payload.count == 4 * count else {
                let kind: NNRError.Kind = ndu.payload.count < 4 * count ? .truncated : .trailingBytes(ndu.payload.count - 4 * count)
                throw NNRError(kind, byteOffset: payloadOffset + min(ndu.payload.count, 4 * count))
            }
            var values = [Float](repeating: 0, count: count)
            for i in 0..<count {
                var bits: UInt32 = 0
                for b in 0..<4 { bits |= UInt32(ndu.payload[4 * i + b]) << UInt32(8 * b) }
                values[i] = Float(bitPattern: bits)
            }
            tensor.values = .float32(values)
            return tensor
        case .block:
            throw NNRError(.unsupported("NNR_PT_BLOCK"), byteOffset: payloadOffset)
        case .int, .float:
            break
        }
        let rowWidth = h.rowWidth
        var decoder = CABACDecoder(bytes: ndu.payload)
        var entryPoints: [UInt64] = []
        do throws(CABACError) {
            if h.payloadType == .float {
                guard mps.hasQuantizationParameters else {
                    throw CABACError(.invalidParameters("FLOAT payload without a model qp"), byteOffset: 0)
                }
                let offset = try decoder.decodeSigned(bits: 6 + mps.qpDensity)
                tensor.qp = Int(offset) + mps.quantizationParameter
                tensor.qpDensity = mps.qpDensity
                tensor.dependentQuantization = h.dqFlag
            }
            let options = TensorCodingOptions(dependentQuantization: tensor.dependentQuantization,
                                              unaryLength: h.cabacUnaryLengthMinus1 + 1,
                                              rowSkipSyntax: profile == 1, scanOrder: h.scanOrder)
            if let runner, !h.entryPoints.isEmpty,
               let decoded = decodeBlockRows(decoder, count: count, rowWidth: rowWidth, options: options,
                                             entryPoints: h.entryPoints, runner: runner,
                                             stepSize: keepLevels ? nil : tensor.stepSize) {
                entryPoints = h.entryPoints   // every row ended at its entry point
                tensor.levels = decoded.levels
                if let values = decoded.values { tensor.values = .float32(values) }
            } else if let step = tensor.stepSize, !keepLevels {
                tensor.values = .float32(try decoder.decodeValues(count: count, stepSize: step, rowWidth: rowWidth,
                                                                  options: options, entryPoints: &entryPoints))
                _ = try decoder.finish()
            } else {
                tensor.levels = try decoder.decodeTensor(count: count, rowWidth: rowWidth, options: options,
                                                         entryPoints: &entryPoints)
                _ = try decoder.finish()
            }
        } catch {
            throw NNRError(.entropyCoding(error), byteOffset: payloadOffset + error.byteOffset)
        }
        // NNCodec seeks to the signalled entry points; sequential decoding agrees with it only
        // if they are the ones the coded data implies.
        if entryPoints != h.entryPoints {
            throw NNRError(.invalidValue("entry points do not match the coded data"), byteOffset: payloadOffset)
        }
        if let step = tensor.stepSize {
            if keepLevels { tensor.values = .float32(NNRQuantization.reconstruct(levels: tensor.levels, stepSize: step)) }
        } else {
            tensor.values = .int32(tensor.levels)
        }
        return tensor
    }
}
