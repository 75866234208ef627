#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Decodes the levels of several tensors on one thread with two interleaved lanes.
///
/// A CABAC decoder is one dependent chain through range and value per bin, so one stream
/// leaves most of a core idle. Two tensors are independent streams (their own data,
/// contexts and registers): a lane pair decodes a level (bins in lockstep where the two
/// levels have the same shape) of one, then of the other, so the CPU runs both chains at
/// once. When a lane's tensor ends, the lane takes the next tensor of the list; the last
/// tensor runs alone. The bins and levels are exactly those of the one-lane loop.
public enum LevelLanes {
    /// Whether `decode` pairs tensors (the one-lane loop otherwise; `NNCODEC_LANES=0` in the
    /// environment switches pairing off, for comparisons).
    public static let enabledByDefault: Bool = {
        guard let v = getenv("NNCODEC_LANES") else { return true }
        return String(cString: v) != "0"
    }()

    /// Decodes the levels of `tensors`, taken in list order (put the largest first), two at
    /// a time when `lanes` is on. Each tensor's decoder is then finished by `endLevels`.
    public static func decode(_ tensors: [PendingLevels], lanes: Bool = enabledByDefault) {
        var queue = tensors.filter { !$0.isDone }[...]
        guard lanes else {
            for t in queue { t.decodeAlone() }
            return
        }
        var a = queue.popFirst()
        var b = queue.popFirst()
        while let x = a {
            guard let y = b else {
                x.decodeAlone()
                break
            }
            if x.dq == y.dq {
                if x.dq { runPair(DependentMode.self, x, y) } else { runPair(UniformMode.self, x, y) }
            } else {
                x.decodeAlone()   // a mixed pair: no shared specialised loop
            }
            if x.isDone { a = y; b = queue.popFirst() } else if y.isDone { b = queue.popFirst() }
            if let t = a, t.isDone { a = b; b = queue.popFirst() }
        }
    }

    /// Decodes `x` and `y` together until one of them is done (or out of data).
    static func runPair<Mode: QuantizerMode>(_ mode: Mode.Type, _ x: PendingLevels, _ y: PendingLevels) {
        let (endX, endY) = (x.levels.count, y.levels.count)
        x.levels.withUnsafeMutableBufferPointer { outX in
            y.levels.withUnsafeMutableBufferPointer { outY in
                var a = LevelLane(x, out: outX.baseAddress!, end: endX)
                var b = LevelLane(y, out: outY.baseAddress!, end: endY)
                while true {
                    let n = min(a.nextSegment(Mode.self), b.nextSegment(Mode.self))
                    if n == 0 { break }
                    if Mode.dq {
                        LevelLane.dependentLevels(&a, &b, count: n)
                    } else {
                        LevelLane.uniformLevels(&a, &b, count: n)
                    }
                }
                a.store(into: x)
                b.store(into: y)
            }
        }
    }
}

/// One tensor's level loop state inside a lane pair.
struct LevelLane {
    var core: LevelDecoderCore
    var at: LevelCursor
    let out: UnsafeMutablePointer<Int32>
    let end: Int
    let rowWidth: Int
    let rowIsZero: UnsafePointer<Bool>?
    let g: Int
    let ctx: UnsafeMutablePointer<ContextModel>
    let limit: UnsafePointer<UInt8>

    init(_ p: PendingLevels, out: UnsafeMutablePointer<Int32>, end: Int) {
        core = LevelDecoderCore(p.coder, padded: p.padded, tables: RawTables.shared)
        at = p.cursor
        self.out = out
        self.end = end
        rowWidth = p.rowWidth
        rowIsZero = p.rowIsZero.map { UnsafePointer($0) }
        g = p.g
        ctx = p.contexts
        limit = UnsafePointer(p.padded) + p.coder.inputCount
    }

    func store(into p: PendingLevels) {
        p.cursor = at
        core.store(into: &p.coder, padded: p.padded)
    }

    /// Steps over skipped rows; returns how many levels the loop may decode next without a
    /// check (the rest of the row, at most a chunk), 0 when done or out of data.
    @inline(__always)
    mutating func nextSegment<Mode: QuantizerMode>(_ mode: Mode.Type) -> Int {
        while at.position < end && core.next <= limit {
            if at.atSkippedRow(rowIsZero) {
                (out + at.position).update(repeating: 0, count: rowWidth)
                at.skipRow(Mode.self, width: rowWidth)
                continue
            }
            return at.segmentEnd(end: end, rowWidth: rowWidth, limit: LevelDecoderCore.chunk) &- at.position
        }
        return 0
    }

    /// `count` levels of each lane at the uniform quantizer.
    @inline(never)
    static func uniformLevels(_ a: inout LevelLane, _ b: inout LevelLane, count: Int) {
        var ca = a.core, cb = b.core
        var nbA = a.at.neighbour, nbB = b.at.neighbour
        let (oa, ob) = (a.out + a.at.position, b.out + b.at.position)
        let (xa, xb) = (a.ctx, b.ctx)
        let (ga, gb) = (a.g, b.g)
        var i = 0
        while i < count {
            let (ka, kb) = levelPair(&ca, nbA, ga, xa, &cb, nbB, gb, xb)
            nbA = ContextLayout.neighbourClass(ka)
            nbB = ContextLayout.neighbourClass(kb)
            oa[i] = ka
            ob[i] = kb
            i &+= 1
        }
        a.core = ca
        b.core = cb
        a.at.neighbour = nbA
        b.at.neighbour = nbB
        a.at.advance(to: a.at.position &+ count, rowWidth: a.rowWidth)
        b.at.advance(to: b.at.position &+ count, rowWidth: b.rowWidth)
    }

    /// One level of each lane at the uniform quantizer, the bins of equal shape in lockstep.
    @inline(__always)
    static func levelPair(_ a: inout LevelDecoderCore, _ nbA: Int, _ ga: Int, _ xa: UnsafeMutablePointer<ContextModel>,
                          _ b: inout LevelDecoderCore, _ nbB: Int, _ gb: Int,
                          _ xb: UnsafeMutablePointer<ContextModel>) -> (Int32, Int32) {
        let sa = a.decode(xa + nbA)
        let sb = b.decode(xb + nbB)
        guard sa != 0 && sb != 0 else {
            var (ta, tb) = (a, b)
            let k = rarePair(&ta, sa, nbA, ga, xa, &tb, sb, nbB, gb, xb)
            (a, b) = (ta, tb)
            return k
        }
        let negA = a.decode(xa + (48 &+ nbA))
        let negB = b.decode(xb + (48 &+ nbB))
        var (magA, magB): (UInt32, UInt32) = (1, 1)
        // The greater-than flags, then (when both reach G) the Exp-Golomb prefixes: one call
        // site of `onesPair`, so it is inlined.
        var (fa, fb, la, lb, stride) = (xa + (53 &+ Int(negA)), xb + (53 &+ Int(negB)), ga, gb, 2)
        var prefix = false
        while true {
            // `decodeSkewedOnes` of each lane, a bin of each per step while both runs last;
            // a lane whose run has ended skips its step.
            var (oa, ob) = (0, 0)
            var (goA, goB) = (la > 0, lb > 0)
            while goA || goB {
                if goA {
                    let one = a.skewedOne(fa)
                    fa += stride
                    oa &+= one ? 1 : 0
                    goA = one && oa < la
                }
                if goB {
                    let one = b.skewedOne(fb)
                    fb += stride
                    ob &+= one ? 1 : 0
                    goB = one && ob < lb
                }
            }
            if prefix {
                magA &+= a.expGolombSuffix(prefix: oa)
                magB &+= b.expGolombSuffix(prefix: ob)
                break
            }
            magA &+= UInt32(truncatingIfNeeded: oa)
            magB &+= UInt32(truncatingIfNeeded: ob)
            let (egA, egB) = (xa + (53 &+ 4 &* ga), xb + (53 &+ 4 &* gb))
            guard oa == ga && ob == gb else {
                if oa == ga || ob == gb {
                    var (ta, tb) = (a, b)
                    let (ra, rb) = rareRemainders(&ta, oa == ga ? egA : nil, &tb, ob == gb ? egB : nil)
                    (a, b) = (ta, tb)
                    magA &+= ra
                    magB &+= rb
                }
                break
            }
            (fa, fb, la, lb, stride) = (egA, egB, 31, 31, 1)
            prefix = true
        }
        return (LevelDecoderCore.signed(magA, negative: negA), LevelDecoderCore.signed(magB, negative: negB))
    }

    /// `levelPair` when a significance bin is 0: the levels one after the other.
    @inline(never)
    static func rarePair(_ a: inout LevelDecoderCore, _ sa: UInt32, _ nbA: Int, _ ga: Int, _ xa: UnsafeMutablePointer<ContextModel>,
                         _ b: inout LevelDecoderCore, _ sb: UInt32, _ nbB: Int, _ gb: Int,
                         _ xb: UnsafeMutablePointer<ContextModel>) -> (Int32, Int32) {
        let ka = sa == 0 ? 0 : a.decodeNonzero(UniformMode.self, neighbour: nbA, g: ga, xa)
        let kb = sb == 0 ? 0 : b.decodeNonzero(UniformMode.self, neighbour: nbB, g: gb, xb)
        return (ka, kb)
    }

    /// The Exp-Golomb remainders of the lanes whose prefix contexts are given (0 for the other).
    @inline(never)
    static func rareRemainders(_ a: inout LevelDecoderCore, _ egA: UnsafeMutablePointer<ContextModel>?,
                               _ b: inout LevelDecoderCore, _ egB: UnsafeMutablePointer<ContextModel>?) -> (UInt32, UInt32) {
        var (ra, rb): (UInt32, UInt32) = (0, 0)
        if let egA { ra = a.expGolombSuffix(prefix: a.decodeSkewedOnes(egA, stride: 1, limit: 31)) }
        if let egB { rb = b.expGolombSuffix(prefix: b.decodeSkewedOnes(egB, stride: 1, limit: 31)) }
        return (ra, rb)
    }

    /// Reconstruction level 2k, or 2k - sgn(k) in the odd states (as `LevelDecoderCore.run`).
    @inline(__always)
    static func reconstruction(_ k: Int32, state: Int) -> Int32 {
        let q1 = Int32(truncatingIfNeeded: state & 1)
        let sgn = (k >> 31) | Int32(truncatingIfNeeded: (0 &- k.magnitude) >> 31)
        return 2 &* k &- q1 &* sgn
    }

    /// `count` levels of each lane with dependent quantization.
    @inline(never)
    static func dependentLevels(_ a: inout LevelLane, _ b: inout LevelLane, count: Int) {
        var ca = a.core, cb = b.core
        var nbA = a.at.neighbour, nbB = b.at.neighbour
        var sA = a.at.dqState, sB = b.at.dqState
        let (oa, ob) = (a.out + a.at.position, b.out + b.at.position)
        let (xa, xb) = (a.ctx, b.ctx)
        let (ga, gb) = (a.g, b.g)
        var i = 0
        while i < count {
            let ka = ca.decodeLevel(DependentMode.self, significance: 3 &* sA &+ nbA, neighbour: nbA, g: ga, xa)
            let kb = cb.decodeLevel(DependentMode.self, significance: 3 &* sB &+ nbB, neighbour: nbB, g: gb, xb)
            nbA = ContextLayout.neighbourClass(ka)
            nbB = ContextLayout.neighbourClass(kb)
            oa[i] = reconstruction(ka, state: sA)
            ob[i] = reconstruction(kb, state: sB)
            sA = DependentQuantization.nextState(sA, index: ka)
            sB = DependentQuantization.nextState(sB, index: kb)
            i &+= 1
        }
        a.core = ca
        b.core = cb
        a.at.neighbour = nbA
        b.at.neighbour = nbB
        a.at.dqState = sA
        b.at.dqState = sB
        a.at.advance(to: a.at.position &+ count, rowWidth: a.rowWidth)
        b.at.advance(to: b.at.position &+ count, rowWidth: b.rowWidth)
    }
}
