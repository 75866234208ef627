import Testing
@testable import CABAC

/// The block-scan paths (one pass and rows of blocks on their own, both sides, levels and
/// values out) run on the row-major level loops over each row of blocks gathered in coding
/// order. Here they meet the reference: `BlockScan.walk` with `binarizeLevel` through
/// `BinEncoder` and `decodeLevel` through `BinDecoder`, bin by bin, as NNCodec walks the scan.
/// The cases reach what the gathered layout must get right: a last block narrower than the
/// others (width not a multiple of the block, or narrower than one block), a last row of
/// blocks with fewer rows, and skipped rows under DQ, which move the state by a whole matrix
/// row of zeros per block (widths with width % 4 ≠ block % 4).
@Suite("block-scan rows on the fast kernels agree with the reference walk")
struct BlockScanKernelTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var scanOrder: Int
        var dq: Bool
        var g: Int
        var width: Int
        var rows: Int
        var seed: UInt64
        var testDescription: String { "scan \(scanOrder) dq=\(dq) G=\(g) \(rows)x\(width)" }
    }

    static let cases: [Case] = {
        var list: [Case] = []
        var seed: UInt64 = 1
        for scanOrder in 1...4 {
            for dq in [false, true] {
                for (width, rows) in [(130, 70), (301, 37), (20, 90), (128, 64)] {
                    list.append(Case(scanOrder: scanOrder, dq: dq, g: seed % 3 == 0 ? 2 : 11, width: width, rows: rows, seed: seed))
                    seed += 1
                }
            }
        }
        return list
    }()

    static func blockRows(_ c: Case) -> Int {
        BlockScanOrder.blockRows(count: c.rows * c.width, width: c.width, scanOrder: c.scanOrder)
    }

    static func options(_ c: Case) -> TensorCodingOptions {
        TensorCodingOptions(dependentQuantization: c.dq, unaryLength: c.g, rowSkipping: true, optimizeInitialization: false,
                            scanOrder: c.scanOrder)
    }

    /// Indices k with a distribution per matrix row and about one row in four all zero, and
    /// the reconstruction levels along the block scan (k itself without DQ).
    static func tensor(_ c: Case) -> (indices: [Int32], levels: [Int32], rowIsZero: [Bool]) {
        var rng = SeededGenerator(seed: c.seed)
        var k = [Int32](repeating: 0, count: c.rows * c.width)
        var rowIsZero = [Bool](repeating: false, count: c.rows)
        for r in 0..<c.rows {
            let pick = Int.random(in: 0..<8, using: &rng)
            let d: LevelDistribution = pick < 2 ? .zeros : (pick < 4 ? .sparse : (pick < 7 ? .laplacian : .heavyTail))
            for i in (r * c.width)..<((r + 1) * c.width) { k[i] = d.sample(&rng) }
            rowIsZero[r] = !k[(r * c.width)..<((r + 1) * c.width)].contains { $0 != 0 }
        }
        guard c.dq else { return (k, k, rowIsZero) }
        var levels = k
        BlockScan(count: k.count, width: c.width, scanOrder: c.scanOrder).walk(
            rowIsZero: rowIsZero, dependentQuantization: true,
            code: { p, state in
                levels[p] = DependentQuantization.reconstructionLevel(index: k[p], state: state)
                return k[p]
            }, blockRowEnd: { _ in })
        return (k, levels, rowIsZero)
    }

    /// The reference stream: row-skip flags, initialization choices (all set 0), then the scan
    /// bin by bin, contexts reset, neighbour cleared and range 256 at each entry point.
    static func referenceEncode(_ k: [Int32], rowIsZero: [Bool], _ c: Case) -> [UInt8] {
        let layout = ContextLayout(unaryLength: c.g)
        var contexts = ContextSet(unaryLength: c.g).models
        var buffer = [UInt8](repeating: 0, count: 64 + k.count * 16 + c.rows)
        var coder = BinEncoder()
        return buffer.withUnsafeMutableBufferPointer { out in
            coder.bind(out.baseAddress!)
            coder.encodeBypass(1)
            for r in 0..<c.rows { coder.encodeBin(rowIsZero[r] ? 1 : 0, context: &contexts[layout.rowSkipFlag]) }
            for i in layout.signalledContexts(dependentQuantization: c.dq) {
                coder.encodeBin(0, context: &contexts[layout.initChoiceFlag])
                contexts[i].initialize(initSet: 0)
            }
            if blockRows(c) > 1 { coder.entryPointStart() }
            contexts.withUnsafeMutableBufferPointer { ctx in
                var sink = StoreSink(sink: coder, contexts: ctx.baseAddress!)
                var nb = 0
                BlockScan(count: k.count, width: c.width, scanOrder: c.scanOrder).walk(
                    rowIsZero: rowIsZero, dependentQuantization: c.dq,
                    code: { p, state in
                        binarizeLevel(k[p], state: state, neighbourClass: nb, layout: layout, into: &sink)
                        nb = ContextLayout.neighbourClass(k[p])
                        return k[p]
                    }, blockRowEnd: { _ in
                        for i in 0..<ctx.count { ctx[i].reset() }
                        nb = 0
                        sink.sink.entryPointStart()
                    })
                coder = sink.sink
            }
            coder.encodeTerminatingBin(1)
            coder.flush()
            return Array(out[0..<coder.count])
        }
    }

    /// The reference decoder: the indices k and NNCodec's entry points, read bin by bin.
    static func referenceDecode(_ stream: [UInt8], _ c: Case) -> (indices: [Int32], entryPoints: [UInt64]) {
        let layout = ContextLayout(unaryLength: c.g)
        var contexts = ContextSet(unaryLength: c.g).models
        var k = [Int32](repeating: 0, count: c.rows * c.width)
        var points: [UInt64] = []
        stream.withUnsafeBufferPointer { input in
            var d = BinDecoder()
            d.bind(input.baseAddress, count: input.count)
            d.start()
            #expect(d.decodeBypass() == 1)
            let rowIsZero = (0..<c.rows).map { _ in d.decodeBin(context: &contexts[layout.rowSkipFlag]) != 0 }
            for i in layout.signalledContexts(dependentQuantization: c.dq) {
                _ = d.decodeBin(context: &contexts[layout.initChoiceFlag])
                contexts[i].initialize(initSet: 0)
            }
            if blockRows(c) > 1 { d.entryPointStart() }
            var last = d.entryPointBitOffset
            contexts.withUnsafeMutableBufferPointer { ctx in
                var nb = 0
                BlockScan(count: k.count, width: c.width, scanOrder: c.scanOrder).walk(
                    rowIsZero: rowIsZero, dependentQuantization: c.dq,
                    code: { p, state in
                        k[p] = decodeLevel(&d, contexts: ctx.baseAddress!, state: state, neighbourClass: nb, unaryLength: c.g)
                        nb = ContextLayout.neighbourClass(k[p])
                        return k[p]
                    }, blockRowEnd: { state in
                        for i in 0..<ctx.count { ctx[i].reset() }
                        nb = 0
                        d.entryPointStart()
                        let offset = d.entryPointBitOffset
                        points.append(UInt64(offset - last) << 11 | d.entryPointValue << 3 | UInt64(state & 7))
                        last = offset
                    })
            }
            #expect(d.decodeTerminatingBin() == 1)
            #expect(d.overrun == 0)
        }
        return (k, points)
    }

    @Test("one pass and joined rows give the reference stream; every decode gives the levels, values and entry points",
          arguments: cases)
    func agree(_ c: Case) throws {
        let (k, levels, rowIsZero) = Self.tensor(c)
        let reference = Self.referenceEncode(k, rowIsZero: rowIsZero, c)
        let decodedReference = Self.referenceDecode(reference, c)
        #expect(decodedReference.indices == k)
        for runner in [nil, EntryPointJoinTests.reversed] {
            var encoder = CABACEncoder()
            encoder.segmentRunner = runner
            try encoder.encodeTensor(levels, rowWidth: c.width, options: Self.options(c))
            let stream = encoder.finish()
            let first = zip(stream, reference).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            #expect(stream.count == reference.count && first == nil,
                    "runner \(runner == nil ? "none" : "reversed"): \(stream.count) vs \(reference.count) bytes, first difference \(first ?? -1)")
            #expect(encoder.entryPoints(in: stream) == decodedReference.entryPoints)
        }
        var decoder = CABACDecoder(bytes: reference)
        var points: [UInt64] = []
        #expect(try decoder.decodeTensor(count: levels.count, rowWidth: c.width, options: Self.options(c), entryPoints: &points) == levels)
        #expect(try decoder.finish() == reference.count)
        #expect(points == decodedReference.entryPoints)
        let step: Float = 0.03125
        let expected = levels.map { Float($0) * step }
        var valueDecoder = CABACDecoder(bytes: reference)
        points = []
        #expect(try valueDecoder.decodeValues(count: levels.count, stepSize: step, rowWidth: c.width, options: Self.options(c),
                                              entryPoints: &points) == expected)
        #expect(points == decodedReference.entryPoints)
        if Self.blockRows(c) > 1 {
            try Self.checkRows(reference, entryPoints: points, levels: levels, values: expected, step: step, c)
        }
    }

    /// Every row of blocks decoded on its own, last to first, as levels and as values.
    static func checkRows(_ stream: [UInt8], entryPoints: [UInt64], levels: [Int32], values: [Float], step: Float,
                          _ c: Case) throws {
        var decoder = CABACDecoder(bytes: stream)
        let plan = try #require(try decoder.beginBlockRows(count: levels.count, rowWidth: c.width, options: options(c),
                                                            entryPoints: entryPoints))
        var outLevels = [Int32](repeating: 7, count: levels.count)
        var outValues = [Float](repeating: 7, count: levels.count)
        for r in (0..<plan.rows).reversed() {
            let a = outLevels.withUnsafeMutableBufferPointer { decoder.decodeBlockRow(r, of: plan, into: $0.baseAddress!) }
            let b = outValues.withUnsafeMutableBufferPointer {
                decoder.decodeBlockRow(r, of: plan, into: $0.baseAddress!, stepSize: step)
            }
            #expect(a.consistent && b.consistent, "row \(r) of \(plan.rows)")
            if r == plan.rows - 1 {
                var finisher = a.decoder
                #expect(try finisher.finish() == stream.count)
            }
        }
        #expect(outLevels == levels)
        #expect(outValues == values)
    }

    @Test("a truncated block-scanned stream is an error, on the one pass and from the entry points")
    func truncated() throws {
        let c = Case(scanOrder: 3, dq: true, g: 11, width: 301, rows: 70, seed: 99)
        let (k, levels, rowIsZero) = Self.tensor(c)
        let stream = Self.referenceEncode(k, rowIsZero: rowIsZero, c)
        let points = Self.referenceDecode(stream, c).entryPoints
        let cut = Array(stream.prefix(stream.count * 2 / 3))
        var decoder = CABACDecoder(bytes: cut)
        var found: [UInt64] = []
        #expect(throws: CABACError.self) {
            _ = try decoder.decodeTensor(count: levels.count, rowWidth: c.width, options: Self.options(c), entryPoints: &found)
        }
        var rowDecoder = CABACDecoder(bytes: cut)
        // The entry points past the cut make the plan fail, or the rows that need them inconsistent.
        guard let plan = try rowDecoder.beginBlockRows(count: levels.count, rowWidth: c.width, options: Self.options(c),
                                                       entryPoints: points) else { return }
        var out = [Int32](repeating: 0, count: levels.count)
        let consistent = out.withUnsafeMutableBufferPointer { p in
            (0..<plan.rows).allSatisfy { rowDecoder.decodeBlockRow($0, of: plan, into: p.baseAddress!).consistent }
        }
        #expect(!consistent)
    }
}
