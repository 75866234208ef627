import Testing
@testable import CABAC

/// The fast level kernels (`LevelEncoderCore`/`LevelDecoderCore`, used for row-major
/// tensors) against the reference path (`binarizeLevel` through `BinEncoder`,
/// `decodeLevel` through `BinDecoder`), in the manner of FFmpeg's checkasm: the same seeded
/// inputs through both, compared bit for bit. Over the matrix below about 2.6 million
/// levels are coded, through every context of the layout: significance in all 24 DQ
/// states × 3 neighbour classes, signs, every greater-than flag (G = 1, 2, 11, 40),
/// remainder prefixes up to 30 bits with their bypass suffixes, row-skip flags.
@Suite("fast kernels agree with the reference coder")
struct KernelDifferentialTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var dq: Bool
        var g: Int
        var rowSkipping: Bool
        var width: Int
        var seed: UInt64
        var testDescription: String { "dq=\(dq) G=\(g) rowSkip=\(rowSkipping) width=\(width) seed=\(seed)" }
    }

    static let cases: [Case] = {
        var list: [Case] = []
        var seed: UInt64 = 1
        for dq in [false, true] {
            for g in [1, 2, 11, 40] {
                for rowSkipping in [false, true] {
                    list.append(Case(dq: dq, g: g, rowSkipping: rowSkipping, width: [3, 97, 300, 1024][Int(seed % 4)], seed: seed))
                    seed += 1
                }
            }
        }
        return list
    }()

    /// Quantization indices k, row by row with a distribution per row (some rows all zero),
    /// and the reconstruction levels the encoder takes (equal to k without DQ).
    static func tensor(_ c: Case, count: Int) -> (indices: [Int32], levels: [Int32]) {
        var rng = SeededGenerator(seed: c.seed)
        let rows = count / c.width
        var k = [Int32](repeating: 0, count: rows * c.width)
        for r in 0..<rows {
            let d = LevelDistribution.allCases[Int.random(in: 0..<LevelDistribution.allCases.count, using: &rng)]
            for i in (r * c.width)..<((r + 1) * c.width) {
                // |k| < 2^29 keeps DQ reconstruction levels (≈ 2k) inside Int32.
                k[i] = max(-(1 << 29), min(1 << 29, d.sample(&rng)))
            }
        }
        guard c.dq else { return (k, k) }
        var levels = k
        var state = 0
        for r in 0..<rows {
            let row = (r * c.width)..<((r + 1) * c.width)
            if c.rowSkipping && c.width > 1 && !k[row].contains(where: { $0 != 0 }) {
                state = DependentQuantization.stateAfterZeros(state, count: c.width)
                continue
            }
            for i in row {
                levels[i] = DependentQuantization.reconstructionLevel(index: k[i], state: state)
                state = DependentQuantization.nextState(state, index: k[i])
            }
        }
        return (k, levels)
    }

    static func options(_ c: Case) -> TensorCodingOptions {
        TensorCodingOptions(dependentQuantization: c.dq, unaryLength: c.g, rowSkipSyntax: true,
                            rowSkipping: c.rowSkipping, optimizeInitialization: false)
    }

    /// The row-major tensor syntax written with the reference binarization, bin by bin.
    static func referenceEncode(_ k: [Int32], _ c: Case) -> [UInt8] {
        let layout = ContextLayout(unaryLength: c.g)
        var contexts = ContextSet(unaryLength: c.g).models
        let rows = k.count / c.width
        let opts = options(c)
        let rowIsZero = (0..<rows).map { r in !k[(r * c.width)..<((r + 1) * c.width)].contains { $0 != 0 } }
        let skip = opts.hasRowSkipFlag(count: k.count, rowWidth: c.width) && c.rowSkipping
        var buffer = [UInt8](repeating: 0, count: 64 + k.count * 16 + rows)
        var coder = BinEncoder()
        return buffer.withUnsafeMutableBufferPointer { out in
            coder.bind(out.baseAddress!)
            if opts.hasRowSkipFlag(count: k.count, rowWidth: c.width) {
                coder.encodeBypass(skip ? 1 : 0)
                if skip { for r in 0..<rows { coder.encodeBin(rowIsZero[r] ? 1 : 0, context: &contexts[layout.rowSkipFlag]) } }
            }
            for i in layout.signalledContexts(dependentQuantization: c.dq) {
                coder.encodeBin(0, context: &contexts[layout.initChoiceFlag])
                contexts[i].initialize(initSet: 0)
            }
            contexts.withUnsafeMutableBufferPointer { ctx in
                var sink = StoreSink(sink: coder, contexts: ctx.baseAddress!)
                var state = 0
                var nb = 0
                for r in 0..<rows {
                    if skip && rowIsZero[r] {
                        if c.dq { state = DependentQuantization.stateAfterZeros(state, count: c.width) }
                        continue
                    }
                    for i in (r * c.width)..<((r + 1) * c.width) {
                        binarizeLevel(k[i], state: state, neighbourClass: nb, layout: layout, into: &sink)
                        nb = ContextLayout.neighbourClass(k[i])
                        if c.dq { state = DependentQuantization.nextState(state, index: k[i]) }
                    }
                }
                coder = sink.sink
            }
            coder.encodeTerminatingBin(1)
            coder.flush()
            return Array(out[0..<coder.count])
        }
    }

    /// The reference decoder: `decodeLevel` through `BinDecoder`, returning the indices k.
    static func referenceDecode(_ stream: [UInt8], count: Int, _ c: Case) -> [Int32] {
        let layout = ContextLayout(unaryLength: c.g)
        var contexts = ContextSet(unaryLength: c.g).models
        let rows = count / c.width
        var k = [Int32](repeating: 0, count: count)
        stream.withUnsafeBufferPointer { input in
            var d = BinDecoder()
            d.bind(input.baseAddress, count: input.count)
            d.start()
            var rowIsZero = [Bool](repeating: false, count: rows)
            if options(c).hasRowSkipFlag(count: count, rowWidth: c.width), d.decodeBypass() != 0 {
                for r in 0..<rows { rowIsZero[r] = d.decodeBin(context: &contexts[layout.rowSkipFlag]) != 0 }
            }
            for i in layout.signalledContexts(dependentQuantization: c.dq) {
                _ = d.decodeBin(context: &contexts[layout.initChoiceFlag])
                contexts[i].initialize(initSet: 0)
            }
            contexts.withUnsafeMutableBufferPointer { ctx in
                var state = 0
                var nb = 0
                for r in 0..<rows {
                    if rowIsZero[r] {
                        if c.dq { state = DependentQuantization.stateAfterZeros(state, count: c.width) }
                        continue
                    }
                    for i in (r * c.width)..<((r + 1) * c.width) {
                        k[i] = decodeLevel(&d, contexts: ctx.baseAddress!, state: state, neighbourClass: nb, unaryLength: c.g)
                        nb = ContextLayout.neighbourClass(k[i])
                        if c.dq { state = DependentQuantization.nextState(state, index: k[i]) }
                    }
                }
            }
            #expect(d.decodeTerminatingBin() == 1)
            #expect(d.overrun == 0)
        }
        return k
    }

    @Test("kernel and reference streams are byte-identical and decode to the same levels both ways", arguments: cases)
    func agree(_ c: Case) throws {
        let (k, levels) = Self.tensor(c, count: 160_000)
        let reference = Self.referenceEncode(k, c)
        var encoder = CABACEncoder()
        try encoder.encodeTensor(levels, rowWidth: c.width, options: Self.options(c))
        let kernel = encoder.finish()
        #expect(kernel.count == reference.count)
        if let first = zip(kernel, reference).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
            Issue.record("streams differ first at byte \(first) of \(reference.count)")
        }
        // The fast decoder on the reference stream, the reference decoder on the kernel's.
        var decoder = CABACDecoder(bytes: reference)
        let decoded = try decoder.decodeTensor(count: levels.count, rowWidth: c.width, options: Self.options(c))
        #expect(try decoder.finish() == reference.count)
        #expect(decoded == levels)
        #expect(Self.referenceDecode(kernel, count: k.count, c) == k)
    }
}

@Suite("entry points recorded while encoding")
struct EncoderEntryPointTests {
    @Test("the encoder's entry points equal those the decoder finds, for every scan order, with and without DQ",
          arguments: [1, 2, 3, 4], [false, true])
    func sameAsDecoder(scanOrder: Int, dq: Bool) throws {
        var rng = SeededGenerator(seed: UInt64(10 * scanOrder + (dq ? 1 : 0)))
        for trial in 0..<6 {
            let width = [7, 64, 130, 300, 513, 1000][trial]
            let rows = [100, 40, 70, 20, 33, 40][trial]
            let d = LevelDistribution.allCases[trial % LevelDistribution.allCases.count]
            let k = (0..<(width * rows)).map { _ in max(-(1 << 29), min(1 << 29, d.sample(&rng))) }
            var levels = k
            if dq {   // the DQ state follows the block scan
                BlockScan(count: k.count, width: width, scanOrder: scanOrder).walk(
                    rowIsZero: [], dependentQuantization: true,
                    code: { p, state in
                        levels[p] = DependentQuantization.reconstructionLevel(index: k[p], state: state)
                        return k[p]
                    }, blockRowEnd: { _ in })
            }
            let options = TensorCodingOptions(dependentQuantization: dq, rowSkipping: false, scanOrder: scanOrder)
            var encoder = CABACEncoder()
            encoder.encodeSigned(-5, bits: 8)   // a header before the tensor, as NNR payloads have
            try encoder.encodeTensor(levels, rowWidth: width, options: options)
            let stream = encoder.finish()
            var decoder = CABACDecoder(bytes: stream)
            #expect(try decoder.decodeSigned(bits: 8) == -5)
            var points: [UInt64] = []
            #expect(try decoder.decodeTensor(count: levels.count, rowWidth: width, options: options, entryPoints: &points) == levels)
            #expect(encoder.entryPoints(in: stream) == points, "width \(width) rows \(rows) \(d)")
        }
    }
}
