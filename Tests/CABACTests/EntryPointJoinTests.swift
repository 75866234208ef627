import Testing
@testable import CABAC

/// Rows of blocks coded on their own and joined, and decoded from their entry points: both
/// must agree with the one sequential pass bit for bit.
@Suite("entry points: joined rows and rows decoded on their own")
struct EntryPointJoinTests {
    /// Runs the rows last to first, so nothing may depend on the order they are coded in.
    static var reversed: SegmentRunner { { count, body in for i in (0..<count).reversed() { body(i) } } }

    /// A seeded tensor in rows of `width` (every third row zero without DQ), its levels valid
    /// along the block scan with DQ.
    static func tensor(width: Int, rows: Int, scanOrder: Int, dq: Bool, seed: UInt64) -> [Int32] {
        var rng = SeededGenerator(seed: seed)
        let d = LevelDistribution.allCases[Int(seed % UInt64(LevelDistribution.allCases.count))]
        var k = (0..<(width * rows)).map { _ in max(-(1 << 29), min(1 << 29, d.sample(&rng))) }
        if !dq {
            for r in stride(from: 0, to: rows, by: 3) { for x in 0..<width { k[r * width + x] = 0 } }
            return k
        }
        var levels = k
        BlockScan(count: k.count, width: width, scanOrder: scanOrder).walk(
            rowIsZero: [], dependentQuantization: true,
            code: { p, state in
                levels[p] = DependentQuantization.reconstructionLevel(index: k[p], state: state)
                return k[p]
            }, blockRowEnd: { _ in })
        return levels
    }

    static func encode(_ levels: [Int32], width: Int, options: TensorCodingOptions,
                       runner: SegmentRunner?) throws -> (stream: [UInt8], entryPoints: [UInt64]) {
        var encoder = CABACEncoder()
        encoder.segmentRunner = runner
        encoder.encodeSigned(-5, bits: 8)   // a header before the tensor, as NNR payloads have
        try encoder.encodeTensor(levels, rowWidth: width, options: options)
        let stream = encoder.finish()
        return (stream, encoder.entryPoints(in: stream))
    }

    @Test("joined rows give the sequential stream and entry points; each row decodes on its own to the same levels",
          arguments: [1, 2, 3, 4], [false, true])
    func joinAndSplit(scanOrder: Int, dq: Bool) throws {
        for (trial, (width, rows)) in [(7, 100), (64, 40), (130, 70), (300, 20), (513, 33), (1000, 40), (9, 9)].enumerated() {
            let seed = UInt64(100 * scanOrder + 10 * trial + (dq ? 1 : 0))
            let levels = Self.tensor(width: width, rows: rows, scanOrder: scanOrder, dq: dq, seed: seed)
            let options = TensorCodingOptions(dependentQuantization: dq, rowSkipping: !dq, scanOrder: scanOrder)
            let sequential = try Self.encode(levels, width: width, options: options, runner: nil)
            let joined = try Self.encode(levels, width: width, options: options, runner: Self.reversed)
            #expect(joined.stream == sequential.stream, "width \(width) rows \(rows)")
            #expect(joined.entryPoints == sequential.entryPoints, "width \(width) rows \(rows)")

            var decoder = CABACDecoder(bytes: sequential.stream)
            #expect(try decoder.decodeSigned(bits: 8) == -5)
            guard let plan = try decoder.beginBlockRows(count: levels.count, rowWidth: width, options: options,
                                                        entryPoints: sequential.entryPoints) else {
                #expect(sequential.entryPoints.isEmpty, "width \(width) rows \(rows): one row of blocks")
                continue
            }
            var out = [Int32](repeating: 7, count: levels.count)
            var last: CABACDecoder? = nil
            try out.withUnsafeMutableBufferPointer { p in
                for r in (0..<plan.rows).reversed() {
                    let end = decoder.decodeBlockRow(r, of: plan, into: p.baseAddress!)
                    #expect(end.consistent, "row \(r) of \(plan.rows), width \(width)")
                    if r == plan.rows - 1 { last = end.decoder }
                }
                var finisher = try #require(last)
                #expect(try finisher.finish() == sequential.stream.count)
            }
            #expect(out == levels, "width \(width) rows \(rows)")
        }
    }

    @Test("a damaged entry point makes a row inconsistent (offset, value bits or DQ state)")
    func damagedEntryPoint() throws {
        let width = 300, rows = 100
        let levels = Self.tensor(width: width, rows: rows, scanOrder: 1, dq: true, seed: 7)
        let options = TensorCodingOptions(dependentQuantization: true, rowSkipping: false, scanOrder: 1)
        let coded = try Self.encode(levels, width: width, options: options, runner: nil)
        for (i, flip) in [(0, UInt64(1) << 11), (3, UInt64(1) << 5), (5, UInt64(1)), (11, UInt64(1) << 14)].enumerated() {
            var points = coded.entryPoints
            points[flip.0 % points.count] ^= flip.1
            var decoder = CABACDecoder(bytes: coded.stream)
            _ = try decoder.decodeSigned(bits: 8)
            let plan = try #require(try decoder.beginBlockRows(count: levels.count, rowWidth: width, options: options,
                                                                entryPoints: points))
            var out = [Int32](repeating: 0, count: levels.count)
            let consistent = out.withUnsafeMutableBufferPointer { p in
                (0..<plan.rows).allSatisfy { decoder.decodeBlockRow($0, of: plan, into: p.baseAddress!).consistent }
            }
            #expect(!consistent, "damage \(i)")
        }
        var decoder = CABACDecoder(bytes: coded.stream)
        _ = try decoder.decodeSigned(bits: 8)
        #expect(try decoder.beginBlockRows(count: levels.count, rowWidth: width, options: options,
                                           entryPoints: Array(coded.entryPoints.dropLast())) == nil)
        // Offsets past the data, or summing past Int64, leave the tensor to the one-pass decode.
        for huge in [UInt64(8 * coded.stream.count + 64) << 11, UInt64.max] {
            var points = coded.entryPoints
            points[points.count / 2] = huge
            var d = CABACDecoder(bytes: coded.stream)
            _ = try d.decodeSigned(bits: 8)
            #expect(try d.beginBlockRows(count: levels.count, rowWidth: width, options: options, entryPoints: points) == nil)
        }
    }
}
