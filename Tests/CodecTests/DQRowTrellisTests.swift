import Testing
import CABAC
@testable import Codec
import ONNXIO
import TestSupport

/// The DQ trellis of a tensor coded with entry points runs per row of blocks
/// (`DependentQuantizer.quantizeRows`): each row from state 0, every row but the last ending
/// in state 0 (the state the next entry point registers), the same levels for any runner.
@Suite("DQ: one trellis per row of blocks")
struct DQRowTrellisTests {
    /// The DQ state after `levels` (reconstruction levels) walked from `start`; nil if a level
    /// is not one of its state's quantizer.
    static func endState(_ levels: ArraySlice<Int32>, from start: Int = 0) -> Int? {
        var state = start
        for level in levels {
            guard let k = DependentQuantization.index(reconstructionLevel: level, state: state) else { return nil }
            state = DependentQuantization.nextState(state, index: k)
        }
        return state
    }

    @Test("rows end in state 0 (the last one free) and the levels are the same on 1, 2 and 4 threads",
          arguments: [0.0, 1.0], [1000, 4096, 25_088])
    func rowsEndInRegisteredState(lambdaScale: Double, rowLength: Int) throws {
        var rng = QuantRandom(seed: UInt64(rowLength) + UInt64(lambdaScale * 7))
        let weights = rng.weights(4 * rowLength + rowLength / 3, scale: 0.02)
        let q = DependentQuantizer(step: try #require(QuantStep(qp: -38, qpDensity: 2)), lambdaScale: lambdaScale)
        let one = try q.quantizeRows(weights, rowLength: rowLength)
        let rows = (weights.count + rowLength - 1) / rowLength
        for r in 0..<rows {
            let row = one[(r * rowLength)..<min(weights.count, (r + 1) * rowLength)]
            let end = try #require(Self.endState(row), "row \(r) is not a trellis path from state 0")
            if r + 1 < rows { #expect(end == 0, "row \(r) ends in state \(end)") }
            // Each row is the unconstrained search of its own weights but for its last levels
            // (the survivor into state 0 and the best one merge a short way back).
            let alone = try q.quantize(Array(weights[row.indices])).levels
            let firstDifference = Array(zip(alone, row)).firstIndex { $0 != $1 } ?? row.count
            #expect(firstDifference >= row.count - 512, "row \(r): levels differ from the free search at \(firstDifference)")
        }
        // The whole tensor is one valid path from state 0 (what a decoder walking it sees).
        #expect(Self.endState(one[...]) != nil)
        for threads in [2, 4] {
            let many = try q.quantizeRows(weights, rowLength: rowLength, runner: ParallelWork.segmentRunner(threads: threads))
            #expect(many == one, "\(threads) threads")
        }
        // A single row is the plain search.
        #expect(try q.quantizeRows(weights, rowLength: weights.count) == q.quantize(weights).levels)
    }

    @Test("a NaN in a later row gives the error of the whole-tensor search")
    func invalidWeight() throws {
        var rng = QuantRandom(seed: 5)
        var weights = rng.weights(5000, scale: 0.02)
        weights[3333] = .nan
        let q = DependentQuantizer(step: try #require(QuantStep(qp: -38, qpDensity: 2)), lambdaScale: 0)
        let whole = Result { try q.quantize(weights) }
        let rows = Result { try q.quantizeRows(weights, rowLength: 1000, runner: ParallelWork.segmentRunner(threads: 2)) }
        guard case .failure(let a) = whole, case .failure(let b) = rows else {
            Issue.record("expected both to fail")
            return
        }
        #expect("\(a)" == "\(b)")
    }

    @Test("--block-scan --dq streams register state 0 at every entry point, on 1, 2 and 4 threads",
          arguments: [1, 3])
    func streamsRegisterStateZero(scanOrder: Int) throws {
        let model = try Model.load(path: TestData.path("lenet300.onnx"))
        var options = EncodeOptions(q: 8)
        options.dependentQuantization = true
        options.blockScan = scanOrder
        var streams: [[UInt8]] = []
        for threads in [1, 2, 4] {
            options.threads = threads
            streams.append(try ModelEncoder(options: options).encode(model).bytes)
        }
        #expect(streams[1] == streams[0] && streams[2] == streams[0])
        var points = 0
        try NNRBitstream.readUnits(streams[0]) { unit, _ in
            guard case .compressedData(let ndu) = unit.body else { return }
            points += ndu.header.entryPoints.count
            #expect(ndu.header.entryPoints.allSatisfy { $0 & 7 == 0 }, "\(ndu.header.tensorName)")
        }
        #expect(points > 0)
    }

    @Test("reorder is indexing by the block-scan positions, and its inverse puts them back",
          arguments: [(96, 200, 1), (70, 1000, 3), (300, 784, 4), (5, 7, 2)])
    func reorderMatchesPositions(rows: Int, width: Int, scanOrder: Int) {
        let values = (0..<(rows * width)).map { Int32($0 * 7 % 1001) }
        let positions = BlockScanOrder.positions(count: values.count, width: width, scanOrder: scanOrder)
        let scanned = BlockScanOrder.reorder(values, width: width, scanOrder: scanOrder)
        #expect(scanned == positions.map { values[$0] })
        #expect(BlockScanOrder.reorder(scanned, width: width, scanOrder: scanOrder, inverse: true) == values)
    }

    @Test("DQ units are the same on 1, 2 and 4 threads whether the rows start in state 0 (per-row trellis) or not",
          arguments: [false, true])
    func unitsWithAndWithoutRowStarts(perRow: Bool) throws {
        let (rows, width, scanOrder) = (96, 300, 1)
        var rng = QuantRandom(seed: perRow ? 41 : 43)
        let weights = rng.weights(rows * width, scale: 0.02)
        let q = DependentQuantizer(step: try #require(QuantStep(qp: -38, qpDensity: 2)), lambdaScale: 0)
        let length = BlockScanOrder.blockRowLength(count: weights.count, width: width, scanOrder: scanOrder)
        let scanned = BlockScanOrder.reorder(weights, width: width, scanOrder: scanOrder)
        let inScan = perRow ? try q.quantizeRows(scanned, rowLength: length) : try q.quantize(scanned).levels
        let levels = BlockScanOrder.reorder(inScan, width: width, scanOrder: scanOrder, inverse: true)
        var writer = NNRWriter()
        writer.modelParameterSet.quantizationParameter = -38
        writer.modelParameterSet.qpDensity = 2
        let input = NNRTensorInput(name: "w", dimensions: [rows, width], data: .quantized(levels: levels, qp: -38),
                                   coding: TensorCodingOptions(dependentQuantization: true, scanOrder: scanOrder))
        let units = try [1, 2, 4].map { threads in
            var framing = NNRStreamWriter(writer)
            return framing.headerBytes + framing.append(try writer.compressedDataUnit(input, parameterId: 0, threads: threads))
        }
        #expect(units[1] == units[0] && units[2] == units[0])
        var states: [UInt64] = []
        try NNRBitstream.readUnits(units[0]) { unit, _ in
            if case .compressedData(let ndu) = unit.body { states = ndu.header.entryPoints.map { $0 & 7 } }
        }
        #expect(states.count == rows / (4 << scanOrder) - 1)
        if perRow { #expect(states.allSatisfy { $0 == 0 }) } else { #expect(states.contains { $0 != 0 }) }
        var decoded: [Int32] = []
        try NNRBitstream.decode(units[0], threads: 2) { t, _ in decoded = t.levels }
        #expect(decoded == levels)
    }
}
