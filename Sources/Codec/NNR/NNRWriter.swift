import CABAC

/// One tensor to write into an NNR stream.
public struct NNRTensorInput: Sendable, Equatable {
    public enum Data: Sendable, Equatable {
        /// NNR_PT_FLOAT: reconstruction levels (multiples of Δ; with DQ the trellis levels,
        /// see `DependentQuantization`) and the tensor's qp.
        case quantized(levels: [Int32], qp: Int)
        /// NNR_PT_INT: integers coded losslessly (never with DQ).
        case integers([Int32])
        /// NNR_PT_RAW_FLOAT: float32 values stored as they are.
        case rawFloat([Float])
    }

    public var name: String
    public var dimensions: [Int]
    public var data: Data
    /// DQ flag, unary length, row skipping, init-set optimization (ignored for raw floats;
    /// DQ ignored for integers).
    public var coding: TensorCodingOptions

    public init(name: String, dimensions: [Int], data: Data, coding: TensorCodingOptions = TensorCodingOptions()) {
        self.name = name
        self.dimensions = dimensions
        self.data = data
        self.coding = coding
    }
}

/// Writes NNR bitstreams the way NNCodec 2.1.3 frames them: start unit (profile 1), model
/// parameter set (QSU, qp density, model qp 0), NNCodec's empty topology unit, then one
/// compressed-data unit per tensor.
public struct NNRWriter: Sendable {
    public var profile: UInt8 = 1
    public var modelParameterSet = NNRModelParameterSet()
    /// Topology units written after the MPS; NNCodec's own form by default.
    public var topologyUnits: [NNRTopologyUnit] = [.nnCodecDefault]
    /// `device_id` of the node ids in NDU headers.
    public var deviceId: Int = 0

    public init() {}

    /// The whole stream.
    public func write(_ tensors: [NNRTensorInput]) throws(NNRError) -> [UInt8] {
        var stream = NNRStreamWriter(self)
        var out = stream.headerBytes
        for (index, tensor) in tensors.enumerated() {
            out += stream.append(try compressedDataUnit(tensor, parameterId: index))
        }
        return out
    }

    /// The compressed-data unit of one tensor (`parameterId`: its index in the model). With a
    /// scan order > 0 its rows of blocks are coded on up to `threads` threads and joined; the
    /// bytes are the same for every count.
    public func compressedDataUnit(_ tensor: NNRTensorInput, parameterId: Int, threads: Int = 1) throws(NNRError) -> NNRUnit {
        try compressedDataUnit(tensor, parameterId: parameterId, runner: ParallelWork.segmentRunner(threads: threads))
    }

    /// `compressedDataUnit` with the rows of blocks coded through `runner` (nil: one after another).
    func compressedDataUnit(_ tensor: NNRTensorInput, parameterId: Int, runner: SegmentRunner?) throws(NNRError) -> NNRUnit {
        let count = tensor.dimensions.reduce(1, *)
        func fail(_ kind: NNRError.Kind) -> NNRError { NNRError(kind, byteOffset: 0, tensorName: tensor.name) }
        guard !tensor.dimensions.isEmpty, tensor.dimensions.allSatisfy({ $0 >= 1 }) else {
            throw fail(.invalidValue("dimensions \(tensor.dimensions)"))
        }
        let payloadType: NNRPayloadType
        switch tensor.data {
        case .quantized: payloadType = .float
        case .integers: payloadType = .int
        case .rawFloat: payloadType = .rawFloat
        }
        var header = NNRCompressedDataHeader(payloadType: payloadType, tensorName: tensor.name, dimensions: tensor.dimensions)
        header.nodeId = profile == 1 ? .init(deviceId: deviceId, parameterId: parameterId, putNodeDepth: 0) : nil
        header.cabacUnaryLengthMinus1 = tensor.coding.unaryLength - 1
        guard (1...256).contains(tensor.coding.unaryLength) else { throw fail(.invalidValue("unary length \(tensor.coding.unaryLength)")) }

        let rowWidth = header.rowWidth
        if tensor.dimensions.count > 1 {
            guard (0...4).contains(tensor.coding.scanOrder) else { throw fail(.invalidValue("scan order \(tensor.coding.scanOrder)")) }
            // NNCodec codes rows of one element row-major and has no entry points for them.
            header.scanOrder = rowWidth == 1 ? 0 : tensor.coding.scanOrder
        }
        var payload: [UInt8]
        switch tensor.data {
        case .rawFloat(let values):
            guard values.count == count else { throw fail(.invalidValue("\(values.count) values for \(count) elements")) }
            payload = []
            payload.reserveCapacity(4 * count)
            for v in values {
                let b = v.bitPattern
                payload += [UInt8(b & 0xFF), UInt8((b >> 8) & 0xFF), UInt8((b >> 16) & 0xFF), UInt8(b >> 24)]
            }
        case .quantized(let levels, let qp):
            guard levels.count == count else { throw fail(.invalidValue("\(levels.count) levels for \(count) elements")) }
            let mps = modelParameterSet
            let bits = 6 + mps.qpDensity
            let offset = qp - mps.quantizationParameter
            guard mps.signallableQps.contains(qp) else {
                throw fail(.invalidValue("qp \(qp) out of range for the model qp and qp density"))
            }
            header.dqFlag = tensor.coding.dependentQuantization
            var options = tensor.coding
            options.rowSkipSyntax = profile == 1
            options.scanOrder = header.scanOrder
            var encoder = CABACEncoder(reserveCapacity: count / 2 + 64)
            encoder.segmentRunner = runner
            encoder.encodeSigned(Int32(offset), bits: bits)
            do throws(CABACError) {
                try encoder.encodeTensor(levels, rowWidth: header.rowWidth, options: options)
            } catch {
                throw fail(.entropyCoding(error))
            }
            payload = encoder.finish()
            header.entryPoints = encoder.entryPoints(in: payload)
        case .integers(let values):
            guard values.count == count else { throw fail(.invalidValue("\(values.count) values for \(count) elements")) }
            header.dqFlag = false
            var options = tensor.coding
            options.dependentQuantization = false
            options.rowSkipSyntax = profile == 1
            options.scanOrder = header.scanOrder
            var encoder = CABACEncoder(reserveCapacity: count + 64)
            encoder.segmentRunner = runner
            do throws(CABACError) {
                try encoder.encodeTensor(values, rowWidth: header.rowWidth, options: options)
            } catch {
                throw fail(.entropyCoding(error))
            }
            payload = encoder.finish()
            header.entryPoints = encoder.entryPoints(in: payload)
        }
        return NNRUnit(header: .init(type: .compressedData), body: .compressedData(.init(header: header, payload: payload)))
    }
}

/// The framing of one stream, unit by unit: the start unit, the model parameter set and
/// the topology units of an `NNRWriter` first (`headerBytes`), then each compressed-data
/// unit as it is appended, so a caller can write units out as tensors finish.
public struct NNRStreamWriter: Sendable {
    private var context = NNRSyntaxContext()
    /// Start unit, model parameter set and topology units.
    public private(set) var headerBytes: [UInt8] = []
    /// Bytes of the topology units within `headerBytes`.
    public private(set) var topologyBytes = 0

    public init(_ writer: NNRWriter) {
        headerBytes = append(NNRUnit(header: .init(type: .start), body: .start(profile: writer.profile)))
        headerBytes += append(NNRUnit(header: .init(type: .modelParameterSet), body: .modelParameterSet(writer.modelParameterSet)))
        for t in writer.topologyUnits {
            let bytes = append(NNRUnit(header: .init(type: .topology), body: .topology(t)))
            topologyBytes += bytes.count
            headerBytes += bytes
        }
    }

    /// The bytes of `unit` (a compressed-data unit of the writer's stream).
    public mutating func append(_ unit: NNRUnit) -> [UInt8] {
        NNRUnitSyntax.write(unit, context: &context)
    }
}
