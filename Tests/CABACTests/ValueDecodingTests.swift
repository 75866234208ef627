import Testing
@testable import CABAC

/// `decodeValues` (levels multiplied by the step inside the level loop) against
/// `decodeTensor` followed by the product, bit for bit.
@Suite("values decoded straight from the level loop")
struct ValueDecodingTests {
    /// Steps of both kinds: a power of two (every `-q` step) and one with a long mantissa.
    static let steps: [Float] = [0.0078125, 0.013_742_56]

    @Test("values equal Float(level) * step for every tensor case, and the stream ends in the same place",
          arguments: TensorCase.all)
    func valuesMatchLevels(_ c: TensorCase) throws {
        let levels = c.levels()
        let second = c.levels(reversed: true)
        var e = CABACEncoder()
        try e.encodeTensor(levels, rowWidth: c.rowWidth, options: c.options)
        try e.encodeTensor(second, rowWidth: c.rowWidth, options: c.options)
        let bytes = e.finish()
        for step in Self.steps {
            var d = CABACDecoder(bytes: bytes + [0x5A])
            var points: [UInt64] = []
            let first = try d.decodeValues(count: levels.count, stepSize: step, rowWidth: c.rowWidth,
                                           options: c.options, entryPoints: &points)
            points = []
            let next = try d.decodeValues(count: second.count, stepSize: step, rowWidth: c.rowWidth,
                                          options: c.options, entryPoints: &points)
            #expect(first.map(\.bitPattern) == levels.map { (Float($0) * step).bitPattern })
            #expect(next.map(\.bitPattern) == second.map { (Float($0) * step).bitPattern })
            #expect(throws: CABACError(.trailingBytes(1), byteOffset: bytes.count)) { _ = try d.finish() }
        }
    }

    @Test("a truncated stream gives the error the levels path gives, at every cut")
    func truncationErrorsAgree() throws {
        for dq in [false, true] {
            let c = TensorCase(seed: 11, rows: 40, rowWidth: 25, distribution: .heavyTail,
                               options: .init(dependentQuantization: dq, rowSkipping: true), zeroRowsEvery: 3)
            let levels = c.levels()
            var e = CABACEncoder()
            try e.encodeTensor(levels, rowWidth: c.rowWidth, options: c.options)
            let bytes = e.finish()
            for cut in stride(from: 0, to: bytes.count, by: 5) {
                let part = Array(bytes[0..<cut])
                var a = CABACDecoder(bytes: part), b = CABACDecoder(bytes: part)
                var points: [UInt64] = []
                let viaLevels = Result { () throws(CABACError) -> [Int32] in
                    try a.decodeTensor(count: levels.count, rowWidth: c.rowWidth, options: c.options)
                }
                let viaValues = Result { () throws(CABACError) -> [Float] in
                    try b.decodeValues(count: levels.count, stepSize: 0.5, rowWidth: c.rowWidth, options: c.options,
                                       entryPoints: &points)
                }
                switch (viaLevels, viaValues) {
                case (.failure(let x), .failure(let y)): #expect(x == y, "cut \(cut)")
                case (.success(let l), .success(let v)):
                    #expect(v == l.map { Float($0) * 0.5 }, "cut \(cut)")
                    #expect(a.position == b.position, "cut \(cut)")
                default: Issue.record("dq \(dq) cut \(cut): one path failed, the other did not")
                }
            }
        }
    }
}
