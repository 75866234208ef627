import CABAC

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
    ///
    /// With `threads` > 1 the units are read first, then the tensors are decoded in parallel
    /// in stream order and the callbacks run in stream order (one at a time, possibly on a
    /// worker thread) as soon as each tensor and those before it are done, with the same
    /// results and the same first error as one thread. Decoded tensors are released after
    /// their callback, so memory stays near the size of the tensors in flight. With
    /// `largestFirst`, when the decoded tensors take at most `ParallelWork.largestFirstBytes`,
    /// the largest units are decoded first instead and the decoded tensors may wait for the
    /// smaller ones before them (for callers that keep every tensor anyway). Without
    /// `keepLevels` the tensors come with empty `levels` (only their values), dropped on the
    /// worker as soon as they are reconstructed. `onDecoded` runs on the decoding thread as
    /// soon as a tensor is decoded, before it waits for its turn (out of stream order, on
    /// several threads at once); its error counts as the tensor's.
    @discardableResult
    public static func decode<S: NNRByteSource>(_ bytes: S, limits: NNRLimits = NNRLimits(), threads: Int = 1,
                              largestFirst: Bool = false, keepLevels: Bool = true,
                              onDecoded: (@Sendable (inout NNRDecodedTensor) throws -> Void)? = nil,
                              topology: (NNRTopologyUnit) throws -> Void = { _ in },
                              tensor body: (NNRDecodedTensor, _ unitBytes: Int) throws -> Void) throws -> Header {
        if threads > 1 {
            return try decodeParallel(bytes, limits: limits, threads: threads, largestFirst: largestFirst, keepLevels: keepLevels,
                                      onDecoded: onDecoded, topology: topology, tensor: body)
        }
        return try forEachUnit(bytes, limits: limits) { unit, offset, index, context in
            switch unit.body {
            case .topology(let t):
                try topology(t)
            case .compressedData(let ndu):
                let payloadOffset = offset + unit.size - ndu.payload.count
                var decoded: NNRDecodedTensor
                do throws(NNRError) {
                    decoded = try decodeTensor(ndu, profile: context.profile ?? 1, mps: context.mps!, payloadOffset: payloadOffset,
                                               keepLevels: keepLevels)
                    if !keepLevels { decoded.levels = [] }
                } catch {
                    var e = error
                    e.unitIndex = index
                    e.tensorName = ndu.header.tensorName
                    throw e
                }
                try onDecoded?(&decoded)
                try body(decoded, unit.size)
            default:
                break
            }
        }
    }

    /// What the first pass of a parallel decode found, in stream order.
    private enum PendingItem: Sendable { case topology(NNRTopologyUnit), tensor(Int) }

    /// A compressed-data unit found by the first pass: where it is and the context it is
    /// read in, without its payload (re-read by the worker that decodes it).
    private struct PendingTensor: Sendable {
        var context: NNRSyntaxContext
        var offset: Int
        var unitIndex: Int
        var unitSize: Int
        var elements: Int
    }

    private static func decodeParallel<S: NNRByteSource>(_ bytes: S, limits: NNRLimits, threads: Int, largestFirst: Bool, keepLevels: Bool,
                                       onDecoded: (@Sendable (inout NNRDecodedTensor) throws -> Void)?, topology: (NNRTopologyUnit) throws -> Void,
                                       tensor body: (NNRDecodedTensor, _ unitBytes: Int) throws -> Void) throws -> Header {
        var header = Header()
        var items: [PendingItem] = []
        var pending: [PendingTensor] = []
        var readError: NNRError? = nil
        do {
            header = try forEachUnit(bytes, limits: limits, headerOnly: true) { unit, offset, index, context in
                switch unit.body {
                case .topology(let t):
                    items.append(.topology(t))
                case .compressedData(let ndu):
                    items.append(.tensor(pending.count))
                    pending.append(PendingTensor(context: context, offset: offset, unitIndex: index, unitSize: unit.size,
                                                 elements: ndu.header.elementCount))
                default:
                    break
                }
            }
        } catch let error as NNRError {
            readError = error   // thrown after the units before it are delivered, as with one thread
        }
        let jobs = pending
        let work = items
        let totalElements = jobs.reduce(0) { $0 + $1.elements }
        // Levels and values of every tensor (8 bytes an element) may be held at once.
        let costs = largestFirst && 8 * jobs.reduce(0) { $0 + $1.elements } <= ParallelWork.largestFirstBytes
            ? work.map { item -> Int in
                if case .tensor(let k) = item { return jobs[k].unitSize }
                return Int.max   // topology units first: later callbacks may need the graph
            } : nil
        let callbacks = (topology, body)
        try withoutActuallyEscaping(callbacks.0) { topology in
            try withoutActuallyEscaping(callbacks.1) { body in
                // Decoded in stream order on `threads` threads; the callbacks run in stream order.
                try ParallelWork.ordered(count: work.count, threads: threads, costs: costs, { n, runner -> NNRDecodedTensor? in
                    guard case .tensor(let k) = work[n] else { return nil }
                    let p = jobs[k]
                    var context = p.context
                    let unit = try NNRUnitSyntax.read(bytes, at: p.offset, index: p.unitIndex, context: &context, limits: limits)
                    guard case .compressedData(let ndu) = unit.body else { return nil }
                    var decoded: NNRDecodedTensor
                    do throws(NNRError) {
                        // A tensor that bounds the makespan is split at its entry points, its rows
                        // of blocks decoded by the pool's workers.
                        let inner = ParallelWork.innerThreads(elements: p.elements, total: totalElements, threads: threads)
                        decoded = try decodeTensor(ndu, profile: context.profile ?? 1, mps: context.mps!,
                                                   payloadOffset: p.offset + unit.size - ndu.payload.count,
                                                   keepLevels: keepLevels, runner: inner > 1 ? runner : nil)
                        if !keepLevels { decoded.levels = [] }
                    } catch {
                        var e = error
                        e.unitIndex = p.unitIndex
                        e.tensorName = ndu.header.tensorName
                        throw e
                    }
                    try onDecoded?(&decoded)
                    return decoded
                }, consume: { n, decoded in
                    switch work[n] {
                    case .topology(let t): try topology(t)
                    case .tensor(let k): try body(decoded!, jobs[k].unitSize)
                    }
                })
            }
        }
        if let readError { throw readError }
        return header
    }

    /// Reads the units of `bytes` without decoding any tensor, calling `body` with each unit
    /// (its `size` is the unit's bytes) and the model parameter set in force.
    /// With `headerOnly`, compressed-data units come with empty payloads and only their
    /// headers are read (a stream's tensors listed without reading their data).
    @discardableResult
    public static func readUnits<S: NNRByteSource>(_ bytes: S, limits: NNRLimits = NNRLimits(), headerOnly: Bool = false,
                                 _ body: (NNRUnit, NNRModelParameterSet) throws -> Void) throws -> Header {
        try forEachUnit(bytes, limits: limits, headerOnly: headerOnly) { unit, _, _, context in
            try body(unit, context.mps ?? NNRModelParameterSet())
        }
    }

    /// The one unit walk of every reader: reads the units of `bytes` in order (the first must
    /// be a start unit), records what they fix in the header, and calls `body` with each
    /// unit, its byte offset, its index and the syntax context after it. An empty stream is
    /// truncated.
    private static func forEachUnit<S: NNRByteSource>(_ bytes: S, limits: NNRLimits, headerOnly: Bool = false,
                                    _ body: (NNRUnit, _ offset: Int, _ index: Int, NNRSyntaxContext) throws -> Void) throws -> Header {
        var context = NNRSyntaxContext()
        var header = Header()
        var offset = 0
        while offset < bytes.count {
            let index = header.unitCount
            let unit = try NNRUnitSyntax.read(bytes, at: offset, index: index, context: &context, limits: limits,
                                              headerOnly: headerOnly)
            if index == 0, unit.header.type != .start {
                throw NNRError(.badUnitOrder("stream does not begin with a start unit"), byteOffset: offset, unitIndex: 0)
            }
            switch unit.body {
            case .start(let p): header.profile = p
            case .modelParameterSet(let m): header.modelParameterSet = m
            case .topology(let t): header.topologyUnits.append(t)
            default: break
            }
            try body(unit, offset, index, context)
            header.unitCount += 1
            offset += unit.size
        }
        if header.unitCount == 0 { throw NNRError(.truncated, byteOffset: 0) }
        return header
    }

    /// The qp of a FLOAT payload: its first bypass bins, without decoding the levels.
    public static func tensorQp(_ ndu: NNRCompressedDataUnit, mps: NNRModelParameterSet) throws(NNRError) -> Int {
        try tensorQp(payloadPrefix: Array(ndu.payload.prefix(8)), tensorName: ndu.header.tensorName, mps: mps)
    }

    /// The qp of the FLOAT payload of `unit` (read with or without its payload), from the
    /// first 8 payload bytes read from `bytes`.
    public static func tensorQp<S: NNRByteSource>(_ unit: NNRUnit, in bytes: S, mps: NNRModelParameterSet) throws(NNRError) -> Int {
        guard case .compressedData(let ndu) = unit.body else { preconditionFailure("not a compressed-data unit") }
        let end = unit.byteOffset + unit.size
        let prefix = try bytes.bytes(at: unit.payloadOffset, length: min(8, end - unit.payloadOffset))
        return try tensorQp(payloadPrefix: prefix, tensorName: ndu.header.tensorName, mps: mps)
    }

    private static func tensorQp(payloadPrefix: [UInt8], tensorName: String, mps: NNRModelParameterSet) throws(NNRError) -> Int {
        var decoder = CABACDecoder(bytes: payloadPrefix)
        do throws(CABACError) {
            return Int(try decoder.decodeSigned(bits: 6 + mps.qpDensity)) + mps.quantizationParameter
        } catch {
            throw NNRError(.entropyCoding(error), byteOffset: 0, tensorName: tensorName)
        }
    }
}
