import Testing
@testable import CABAC

/// A tensor case: shape, distribution, options.
struct TensorCase: CustomTestStringConvertible, Sendable {
    var seed: UInt64
    var rows: Int
    var rowWidth: Int
    var distribution: LevelDistribution
    var options: TensorCodingOptions
    var zeroRowsEvery: Int

    var testDescription: String {
        "seed \(seed) \(rows)x\(rowWidth) \(distribution) dq=\(options.dependentQuantization) G=\(options.unaryLength) "
            + "rowSkip=\(options.rowSkipping) paramOpt=\(options.optimizeInitialization) scan=\(options.scanOrder)"
    }

    /// Reconstruction levels (via DQ indices when DQ is on); `reversed` reverses the indices.
    func levels(reversed: Bool = false) -> [Int32] {
        var rng = SeededGenerator(seed: seed)
        var k = (0..<(rows * rowWidth)).map { _ in distribution.sample(&rng) }
        if options.dependentQuantization {
            // Reconstruction levels must stay inside Int32: 2k - sgn(k).
            k = k.map { max(-(Int32.max / 2), min(Int32.max / 2, $0)) }
        }
        if zeroRowsEvery > 0 {
            for r in stride(from: 0, to: rows, by: zeroRowsEvery) {
                for i in (r * rowWidth)..<((r + 1) * rowWidth) { k[i] = 0 }
            }
        }
        if reversed { k.reverse() }
        guard options.dependentQuantization else { return k }
        let count = rows * rowWidth
        if options.effectiveScanOrder(count: count, rowWidth: rowWidth) != 0 {
            // The DQ state follows the block scan, including NNCodec's jumps over skipped segments.
            let skip = options.hasRowSkipFlag(count: count, rowWidth: rowWidth) && options.rowSkipping
            let zero = skip ? (0..<rows).map { r in k[(r * rowWidth)..<((r + 1) * rowWidth)].allSatisfy { $0 == 0 } } : []
            var out = [Int32](repeating: 0, count: count)
            BlockScan(count: count, width: rowWidth, scanOrder: options.scanOrder).walk(
                rowIsZero: zero, dependentQuantization: true,
                code: { p, state in
                    out[p] = DependentQuantization.reconstructionLevel(index: k[p], state: state)
                    return k[p]
                }, blockRowEnd: { _ in })
            return out
        }
        return DependentQuantization.reconstructionLevels(indices: k)
    }

    static let all: [TensorCase] = {
        var cases: [TensorCase] = []
        var seed: UInt64 = 1
        let shapes = [(1, 1), (1, 37), (37, 1), (16, 16), (9, 100), (300, 7), (70, 45), (130, 66)]
        for dq in [false, true] {
            for g in [1, 2, 11, 256] {
                for (rowSkip, paramOpt) in [(false, false), (true, true), (true, false), (false, true)] {
                    for d in LevelDistribution.allCases {
                        // Long binarizations (G = 256, huge levels) on the smaller shapes only.
                        let usable = g == 256 || d == .huge ? 4 : shapes.count
                        let (rows, width) = shapes[Int(seed) % usable]
                        let options = TensorCodingOptions(dependentQuantization: dq, unaryLength: g,
                                                          rowSkipping: rowSkip, optimizeInitialization: paramOpt,
                                                          scanOrder: Int(seed % 5))
                        cases.append(TensorCase(seed: seed, rows: rows, rowWidth: width, distribution: d,
                                                options: options, zeroRowsEvery: Int(seed % 4)))
                        seed += 1
                    }
                }
            }
        }
        return cases
    }()
}

@Suite("Tensor coding")
struct TensorCodingTests {
    @Test("encoder/decoder symmetry over a seeded matrix of level arrays", arguments: TensorCase.all)
    func symmetry(_ c: TensorCase) throws {
        let levels = c.levels()
        var e = CABACEncoder()
        e.encodeSigned(-38, bits: 8)
        try e.encodeTensor(levels, rowWidth: c.rowWidth, options: c.options)
        // A second tensor in the same stream, as a block would put it.
        let second = c.levels(reversed: true)
        try e.encodeTensor(second, rowWidth: c.rowWidth, options: c.options)
        let bytes = e.finish()

        var d = CABACDecoder(bytes: bytes + [0x5A, 0xA5])
        #expect(try d.decodeSigned(bits: 8) == -38)
        #expect(try d.decodeTensor(count: levels.count, rowWidth: c.rowWidth, options: c.options) == levels)
        #expect(try d.decodeTensor(count: levels.count, rowWidth: c.rowWidth, options: c.options) == second)
        #expect(throws: CABACError(.trailingBytes(2), byteOffset: bytes.count)) { _ = try d.finish() }
    }

    @Test("truncated and corrupted streams give errors, never crashes")
    func corruption() throws {
        let c = TensorCase(seed: 7, rows: 40, rowWidth: 25, distribution: .heavyTail,
                           options: .init(dependentQuantization: true, rowSkipping: true), zeroRowsEvery: 3)
        let levels = c.levels()
        var e = CABACEncoder()
        try e.encodeTensor(levels, rowWidth: c.rowWidth, options: c.options)
        let bytes = e.finish()
        for cut in stride(from: 0, to: bytes.count, by: 3) {
            var d = CABACDecoder(bytes: Array(bytes[0..<cut]))
            #expect(throws: CABACError.self) {
                _ = try d.decodeTensor(count: levels.count, rowWidth: c.rowWidth, options: c.options)
                _ = try d.finish()
            }
        }
        var rng = SeededGenerator(seed: 3)
        for _ in 0..<200 {
            var corrupt = bytes
            corrupt[Int.random(in: 0..<corrupt.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
            var d = CABACDecoder(bytes: corrupt)
            // Either an error or some levels; the point is termination without a trap.
            _ = try? d.decodeTensor(count: levels.count, rowWidth: c.rowWidth, options: c.options)
            _ = try? d.finish()
        }
    }

    @Test("levels that cannot be coded are rejected")
    func invalidLevels() throws {
        var e = CABACEncoder()
        #expect(throws: CABACError(.invalidLevel(index: 1, level: Int32.min), byteOffset: 0)) {
            try e.encodeTensor([0, Int32.min], rowWidth: 1, options: .init())
        }
        // State 0 uses Q0: odd reconstruction levels are impossible.
        #expect(throws: CABACError(.invalidLevel(index: 0, level: 3), byteOffset: 0)) {
            try e.encodeTensor([3], rowWidth: 1, options: .init(dependentQuantization: true))
        }
        #expect(throws: CABACError.self) { try e.encodeTensor([1, 2, 3], rowWidth: 2, options: .init()) }
    }

    @Test("dependent quantization: transition table, packed form and zero runs")
    func dqTransitions() {
        for state in 0..<8 {
            #expect(DependentQuantization.nextState(state, index: 0) == Int(DependentQuantization.transitions[state].0))
            #expect(DependentQuantization.nextState(state, index: -3) == Int(DependentQuantization.transitions[state].1))
            var s = state
            for n in 0..<20 {
                #expect(DependentQuantization.stateAfterZeros(state, count: n) == s)
                s = DependentQuantization.nextState(s, index: 0)
            }
        }
    }

    @Test("dependent quantization: indices and reconstruction levels convert both ways")
    func dqRoundTrip() {
        var rng = SeededGenerator(seed: 11)
        let k = (0..<5000).map { _ in Int32.random(in: -50...50, using: &rng) }
        let levels = DependentQuantization.reconstructionLevels(indices: k)
        #expect(DependentQuantization.indices(reconstructionLevels: levels) == k)
        var state = 0
        for (kk, q) in zip(k, levels) {
            #expect(q == (state & 1 == 0 ? 2 * kk : 2 * kk - kk.signum()))
            state = DependentQuantization.nextState(state, index: kk)
        }
    }

    @Test("bit estimator: pricing leaves contexts alone; an adapting estimate tracks the real size")
    func estimator() throws {
        let c = TensorCase(seed: 5, rows: 64, rowWidth: 64, distribution: .laplacian,
                           options: .init(optimizeInitialization: false), zeroRowsEvery: 0)
        let levels = c.levels()
        var contexts = ContextSet(unaryLength: 11)
        let before = contexts
        let price = contexts.cost(ofLevel: 5, state: 0, previous: -1)
        #expect(contexts == before)
        #expect(price > contexts.cost(ofLevel: 0, state: 0, previous: -1))

        var estimator = BitEstimator(adapts: true)
        var state = 0
        var previous: Int32 = 0
        for k in levels {
            contexts.encodeLevel(k, state: state, previous: previous, into: &estimator)
            previous = k
            _ = state
        }
        var e = CABACEncoder()
        try e.encodeTensor(levels, rowWidth: c.rowWidth, options: c.options)
        let actual = Double(e.finish().count * 8)
        // The real stream also carries 40 init-choice flags and the termination.
        #expect(abs(estimator.bits - actual) < 0.03 * actual + 64)
        state += 0
    }
}
