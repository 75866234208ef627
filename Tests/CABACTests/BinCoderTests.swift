import Testing
@testable import CABAC

/// One coding operation of a random bin sequence.
private enum Op: Equatable {
    case bin(UInt32, context: Int)
    case bypass(UInt32)
    case bypassBins(UInt32, count: Int)
}

private func randomOps(seed: UInt64, count: Int, contexts: Int) -> [Op] {
    var rng = SeededGenerator(seed: seed)
    // Each context gets its own bias so states move far from the initial ones.
    let bias = (0..<contexts).map { _ in Double.random(in: 0...1, using: &rng) }
    return (0..<count).map { _ in
        switch Int.random(in: 0..<10, using: &rng) {
        case 0: return .bypass(UInt32.random(in: 0...1, using: &rng))
        case 1:
            let n = Int.random(in: 0...32, using: &rng)
            let v = n == 0 ? 0 : UInt32.random(in: 0...UInt32.max, using: &rng) >> UInt32(32 - n)
            return .bypassBins(v, count: n)
        default:
            let c = Int.random(in: 0..<contexts, using: &rng)
            return .bin(Double.random(in: 0..<1, using: &rng) < bias[c] ? 1 : 0, context: c)
        }
    }
}

private func encode(_ ops: [Op], sets: [Int]) -> [UInt8] {
    var contexts = sets.map { ContextModel(initSet: $0) }
    var e = CABACEncoder(reserveCapacity: 16)
    for op in ops {
        switch op {
        case .bin(let b, let c): e.encodeBin(b, context: &contexts[c])
        case .bypass(let b): e.encodeBypass(b)
        case .bypassBins(let v, let n): e.encodeUnsigned(v, bits: n)
        }
    }
    return e.finish()
}

private func decode(_ bytes: [UInt8], ops: [Op], sets: [Int]) throws -> [Op] {
    var contexts = sets.map { ContextModel(initSet: $0) }
    var d = CABACDecoder(bytes: bytes)
    var out: [Op] = []
    for op in ops {
        switch op {
        case .bin(_, let c): out.append(.bin(try d.decodeBin(context: &contexts[c]), context: c))
        case .bypass: out.append(.bypass(try d.decodeBypass()))
        case .bypassBins(_, let n): out.append(.bypassBins(try d.decodeUnsigned(bits: n), count: n))
        }
    }
    _ = try d.finish()
    return out
}

@Suite("Arithmetic coder")
struct BinCoderTests {
    static let seeds: [UInt64] = Array(1...24)

    @Test("encoder/decoder symmetry over random bin sequences", arguments: seeds)
    func symmetry(seed: UInt64) throws {
        let count = [0, 1, 7, 100, 5000, 40000][Int(seed % 6)]
        let ops = randomOps(seed: seed, count: count, contexts: 1 + Int(seed % 13))
        let sets = (0..<13).map { ($0 + Int(seed)) % 9 }
        let bytes = encode(ops, sets: sets)
        #expect(try decode(bytes, ops: ops, sets: sets) == ops)
    }

    @Test("trailing garbage is reported after the bins decode unchanged", arguments: seeds.prefix(8))
    func trailingGarbage(seed: UInt64) throws {
        let ops = randomOps(seed: seed, count: 3000, contexts: 5)
        let sets = Array(repeating: 0, count: 5)
        var bytes = encode(ops, sets: sets)
        let exact = bytes.count
        var rng = SeededGenerator(seed: seed)
        for _ in 0..<Int.random(in: 1...9, using: &rng) { bytes.append(UInt8.random(in: 0...255, using: &rng)) }
        var contexts = sets.map { ContextModel(initSet: $0) }
        var d = CABACDecoder(bytes: bytes)
        for op in ops {
            switch op {
            case .bin(let b, let c): #expect(try d.decodeBin(context: &contexts[c]) == b)
            case .bypass(let b): #expect(try d.decodeBypass() == b)
            case .bypassBins(let v, let n): #expect(try d.decodeUnsigned(bits: n) == v)
            }
        }
        #expect(throws: CABACError(.trailingBytes(bytes.count - exact), byteOffset: exact)) { _ = try d.finish() }
    }

    @Test("end of stream: the decoder consumes exactly the encoder's bytes and sees the stop pattern")
    func endOfStream() throws {
        for seed in BinCoderTests.seeds {
            let ops = randomOps(seed: seed, count: Int(seed) * 37, contexts: 3)
            let bytes = encode(ops, sets: [0, 4, 8])
            var contexts = [0, 4, 8].map { ContextModel(initSet: $0) }
            var d = CABACDecoder(bytes: bytes)
            for op in ops {
                switch op {
                case .bin(_, let c): _ = try d.decodeBin(context: &contexts[c])
                case .bypass: _ = try d.decodeBypass()
                case .bypassBins(_, let n): _ = try d.decodeUnsigned(bits: n)
                }
            }
            #expect(try d.finish() == bytes.count)
            #expect(d.core.overrun == 0)
        }
    }

    @Test("truncated streams throw instead of reading past the end")
    func truncation() throws {
        let ops = randomOps(seed: 99, count: 2000, contexts: 4)
        let sets = [1, 2, 3, 4]
        let bytes = encode(ops, sets: sets)
        for cut in 0..<bytes.count {
            #expect(throws: CABACError.self) { _ = try decode(Array(bytes[0..<cut]), ops: ops, sets: sets) }
        }
    }
}

@Suite("Probability model")
struct ContextModelTests {
    @Test("initialization sets", arguments: 0..<9)
    func initialization(set: Int) {
        let c = ContextModel(initSet: set)
        let e = initializationSets[set]
        #expect(c.initSet == UInt8(set))
        #expect(Int32(c.sum) == e.sum && Int32(c.s0) == e.s0)
        #expect(Int32(c.shift0) == e.shift0 + 4 && Int32(c.shift1) == e.shift1)
        #expect(c.mps == (e.sum >= 0 ? 1 : 0))
    }

    @Test("states saturate: table indices stay in range over long random runs", arguments: 0..<9)
    func saturation(set: Int) {
        var rng = SeededGenerator(seed: UInt64(set) + 1000)
        var c = ContextModel(initSet: set)
        var inRange = true
        for run in 0..<400 {
            let bin: UInt32 = run % 2 == 0 ? 1 : 0
            for _ in 0..<Int.random(in: 1...400, using: &rng) {
                c.update(Bool.random(using: &rng) && run % 3 == 0 ? 1 - bin : bin)
                let idx = 512 + (Int(c.sum) >> 3)
                inRange = inRange && (Int32(c.sum) >> 7).magnitude <= 31 && c.s0 >= -127 && c.s0 <= 127
                    && idx >= 0 && idx < 1024
            }
        }
        #expect(inRange)
        c.reset()
        #expect(c == ContextModel(initSet: set))
    }

    @Test("costs: the MPS is cheaper than the LPS")
    func costs() {
        var c = ContextModel(initSet: 0)
        for _ in 0..<200 { c.update(1) }
        #expect(c.mps == 1)
        #expect(c.cost(1) < c.cost(0))
    }
}
