import Foundation

// Einsum: any equation (explicit or implicit output, repeated letters for diagonals,
// "..." with broadcasting), evaluated by one loop over every letter's range.

private struct EinsumPlan {
    var letters: [Character] = []          // every distinct letter, output letters first
    var sizes: [Int] = []
    var operandLetters: [[Int]] = []       // per operand, per axis: letter number
    var operandShapes: [[Int]] = []
    var outputCount = 0
}

/// A term's letters with "..." replaced by the last `n` of `total` ellipsis placeholders
/// (right-aligned, so ellipses broadcast like NumPy's).
private func expand(_ term: String, n: Int, total: Int) -> [Character] {
    guard let r = term.range(of: "...") else { return Array(term) }
    let dots = (0..<n).map { Character(Unicode.Scalar(0x2460 + UInt32(total - n + $0))!) }
    return Array(term[..<r.lowerBound]) + dots + Array(term[r.upperBound...])
}

private func einsumPlan(_ ctx: NodeContext, _ equation: String, _ shapes: [[Int]]) throws -> EinsumPlan {
    let eq = equation.filter { !$0.isWhitespace }
    let parts = eq.components(separatedBy: "->")
    let terms = parts[0].components(separatedBy: ",")
    guard terms.count == shapes.count else { throw ctx.fail("equation has \(terms.count) operands, got \(shapes.count) inputs") }
    let dotsPer = zip(terms, shapes).map { t, s in t.contains("...") ? s.count - t.replacingOccurrences(of: "...", with: "").count : 0 }
    let total = dotsPer.max() ?? 0
    var opLetters: [[Character]] = []
    for ((t, s), n) in zip(zip(terms, shapes), dotsPer) {
        let l = expand(t, n: n, total: total)
        guard n >= 0, l.count == s.count else { throw ctx.fail("term '\(t)' does not match input rank \(s.count)") }
        opLetters.append(l)
    }
    var out: [Character]
    if parts.count > 1 {
        out = expand(parts[1], n: total, total: total)
    } else {
        var counts: [Character: Int] = [:]
        for l in opLetters.joined() { counts[l, default: 0] += 1 }
        out = expand("...", n: total, total: total) + counts.keys.filter { counts[$0] == 1 && $0.isASCII }.sorted()
    }
    var plan = EinsumPlan()
    plan.letters = out
    for l in opLetters.joined() where !plan.letters.contains(l) { plan.letters.append(l) }
    plan.outputCount = out.count
    plan.sizes = [Int](repeating: 1, count: plan.letters.count)
    for (l, s) in zip(opLetters, shapes) {
        let idx = l.map { plan.letters.firstIndex(of: $0)! }
        for (i, d) in zip(idx, s) where d != 1 {
            guard plan.sizes[i] == 1 || plan.sizes[i] == d else { throw ctx.fail("letter '\(plan.letters[i])' has sizes \(plan.sizes[i]) and \(d)") }
            plan.sizes[i] = d
        }
        plan.operandLetters.append(idx)
        plan.operandShapes.append(s)
    }
    return plan
}

func registerEinsum(_ k: inout [String: Kernel]) {
    k["Einsum"] = { ctx in
        let xs = try (0..<ctx.inputCount).map { try ctx.input($0) }
        let p = try einsumPlan(ctx, ctx.string("equation", ""), xs.map(\.shape))
        let data = xs.map { $0.floats }
        let strides = zip(p.operandShapes, p.operandLetters).map { shape, _ in contiguousStrides(shape) }
        let outShape = Array(p.sizes[..<p.outputCount])
        var out = [Float](repeating: 0, count: outShape.reduce(1, *))
        let total = p.sizes.reduce(1, *)
        var pos = [Int](repeating: 0, count: p.sizes.count)
        for _ in 0..<total {
            var prod: Float = 1
            for (o, letters) in p.operandLetters.enumerated() {
                var off = 0
                for (a, l) in letters.enumerated() where p.operandShapes[o][a] != 1 { off += pos[l] * strides[o][a] }
                prod *= data[o][off]
            }
            var oi = 0
            for l in 0..<p.outputCount { oi = oi * p.sizes[l] + pos[l] }
            out[oi] += prod
            var d = p.sizes.count - 1
            while d >= 0 {
                pos[d] += 1
                if pos[d] < p.sizes[d] { break }
                pos[d] = 0
                d -= 1
            }
        }
        let r = NDArray(shape: outShape, floats: out)
        return [xs.first?.elementType == .int64 ? r.cast(to: .int64) : r]
    }
}
