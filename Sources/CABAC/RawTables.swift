/// The constant tables as raw pointers, for the tensor loops: fetched once per tensor so
/// the per-bin lookups carry neither lazy-initialization checks nor bounds checks.
@usableFromInline
struct RawTables: @unchecked Sendable {
    /// `lpsRangeTable` (256 entries).
    @usableFromInline let lps: UnsafePointer<UInt8>
    /// `adaptationCurve` (32 entries).
    @usableFromInline let curve: UnsafePointer<Int32>
    /// `estimatedBitsTable` (2048 entries).
    @usableFromInline let cost: UnsafePointer<UInt32>
    /// The eight LPS ranges of each state column, packed: entry `c` holds
    /// `lpsRangeTable[(32 * row + c) & 255]` in byte `row` (256 entries).
    @usableFromInline let packedLps: UnsafePointer<UInt64>
    /// Signed adaptation steps by (window size, bin, bucket): entry
    /// `(shift << 6) | (bin << 5) | b` moves a state of bucket `b` towards `bin` (see
    /// `update(_:steps:)`; 512 entries).
    @usableFromInline let steps: UnsafePointer<Int32>
    /// The packed LPS word of `packedLps` by `(sum >> 7) & 511` (the sign folded in),
    /// followed by `bypassReciprocals` entries 512...1023 (one pointer for both in the loops).
    @usableFromInline let lpsBySum: UnsafePointer<UInt64>
    /// The next fast state by `(shift0 << 9) | (bin << 8) | (s0 & 255)` for shift0 4...7
    /// (points 2048 entries before its 2048-entry table).
    @usableFromInline let fastNext: UnsafePointer<Int8>

    @usableFromInline
    static let shared: RawTables = {
        func copy<T>(_ a: [T]) -> UnsafePointer<T> {
            let p = UnsafeMutablePointer<T>.allocate(capacity: a.count)
            p.initialize(from: a, count: a.count)
            return UnsafePointer(p)
        }
        precondition(lpsRangeTable.count == 256 && adaptationCurve.count == 32 && estimatedBitsTable.count == 2048)
        // The field offsets `ContextWord` reads and writes.
        precondition(MemoryLayout<ContextModel>.offset(of: \ContextModel.s0) == 0
                     && MemoryLayout<ContextModel>.offset(of: \ContextModel.sum) == 2
                     && MemoryLayout<ContextModel>.offset(of: \ContextModel.shift0) == 4
                     && MemoryLayout<ContextModel>.offset(of: \ContextModel.shift1) == 5
                     && MemoryLayout<ContextModel>.stride == 8
                     && MemoryLayout<ContextModel>.size == 7, "ContextModel layout changed")  // byte 7: ContextWord.fixedOne
        var packed = [UInt64](repeating: 0, count: 256)
        for c in 0..<256 {
            for row in 0..<8 {
                let entry = UInt64(lpsRangeTable[(32 * row + c) & 255])
                packed[c] |= entry << UInt64(8 * row)
            }
        }
        var steps = [Int32](repeating: 0, count: 512)
        for shift in 0..<8 {
            for b in 0..<32 {
                steps[(shift << 6) | b] = -(adaptationCurve[(16 - b) & 31] >> Int32(shift))
                steps[(shift << 6) | 32 | b] = adaptationCurve[(16 + b) & 31] >> Int32(shift)
            }
        }
        var bySum = [UInt64](repeating: 0, count: 1024)
        for i in 0..<512 {
            let signed = i < 256 ? i : i - 512
            bySum[i] = packed[Int(signed.magnitude) & 255]
        }
        for r in 1..<512 { bySum[512 + r] = bypassReciprocal(range: UInt32(r)) }
        var fast = [Int8](repeating: 0, count: 2048)
        for shift in 4...7 {
            for bin in 0...1 {
                for f in -128...127 {
                    var m = ContextModel(initSet: 0)
                    m.shift0 = UInt8(shift)
                    m.shift1 = 4
                    m.s0 = Int16(f)
                    m.sum = Int16(16 * f)
                    m.update(UInt32(bin))
                    // Reachable fast states stay within -124...124; the others are never used.
                    fast[((shift - 4) << 9) | (bin << 8) | (f & 255)] = Int8(truncatingIfNeeded: m.s0)
                }
            }
        }
        // The level loops' three tables in one block, so one register addresses them all:
        // steps at 0, the fast-state table after them (its pointer, 2048 entries before
        // it, is the block's start), lpsBySum with the reciprocals at `lpsOffset` (its
        // single-index loads take the offset as a displacement).
        let block = UnsafeMutableRawPointer.allocate(byteCount: lpsOffset + 8 * bySum.count, alignment: 64)
        block.initializeMemory(as: Int32.self, from: steps, count: steps.count)
        (block + 2048).initializeMemory(as: Int8.self, from: fast, count: fast.count)
        (block + lpsOffset).initializeMemory(as: UInt64.self, from: bySum, count: bySum.count)
        return RawTables(lps: copy(lpsRangeTable), curve: copy(adaptationCurve), cost: copy(estimatedBitsTable),
                         packedLps: copy(packed), steps: UnsafePointer(block.assumingMemoryBound(to: Int32.self)),
                         lpsBySum: UnsafePointer((block + lpsOffset).assumingMemoryBound(to: UInt64.self)),
                         fastNext: UnsafePointer(block.assumingMemoryBound(to: Int8.self)))
    }()

    @usableFromInline
    init(lps: UnsafePointer<UInt8>, curve: UnsafePointer<Int32>, cost: UnsafePointer<UInt32>, packedLps: UnsafePointer<UInt64>,
         steps: UnsafePointer<Int32>, lpsBySum: UnsafePointer<UInt64>, fastNext: UnsafePointer<Int8>) {
        self.steps = steps
        self.lpsBySum = lpsBySum
        self.fastNext = fastNext
        self.lps = lps
        self.curve = curve
        self.cost = cost
        self.packedLps = packedLps
    }
}

extension RawTables {
    /// Byte offset of `lpsBySum` from `steps` (and `fastNext`) in their shared block.
    static var lpsOffset: Int { 4096 }

    /// Bits of the fixed-point reciprocals of `bypassReciprocal(range:)`.
    static var reciprocalShift: UInt64 { 40 }

    /// ⌈2⁴⁰ / range⌉: `(UInt64(value >> 7) · m) >> 40` is `value / (range << 7)` for every
    /// 32-bit `value` and range 256...510 (the error m·range − 2⁴⁰ is below range, and
    /// (value >> 7) · 510 < 2³⁴ keeps it under one unit in the 40 fraction bits). Checked
    /// at every quotient boundary by `BypassReciprocalTests`.
    static func bypassReciprocal(range r: UInt32) -> UInt64 {
        ((1 << reciprocalShift) + UInt64(r) - 1) / UInt64(r)
    }

    /// `value / (range << 7)` through the reciprocal table that follows `lpsBySum`.
    @inline(__always)
    static func bypassQuotient(_ value: UInt32, range: UInt32, lpsBySum: UnsafePointer<UInt64>) -> UInt32 {
        let m = lpsBySum[512 &+ Int(range & 511)]
        return UInt32(truncatingIfNeeded: (UInt64(value >> 7) &* m) &>> reciprocalShift)
    }
}

extension ContextModel {
    /// `lpsRange(_:)` through a raw table.
    @inlinable @inline(__always)
    func lpsRange(_ range: UInt32, table: UnsafePointer<UInt8>) -> UInt32 {
        let row = Int(range & 0xE0)
        let col = Int((Int32(sum) >> 7).magnitude)
        return UInt32(table[(row &+ col) & 255])
    }

    /// `lpsRange(_:)` from the packed table: the column's word is independent of the range,
    /// so only a shift and a mask depend on it.
    @inlinable @inline(__always)
    func lpsRange(_ range: UInt32, packed: UnsafePointer<UInt64>) -> UInt32 {
        let word = packed[Int((Int32(sum) >> 7).magnitude & 255)]
        return UInt32(truncatingIfNeeded: word &>> UInt64((range >> 2) & 0x38)) & 0xFF
    }

    /// `lpsRange(_:)` from `RawTables.lpsBySum`.
    @inlinable @inline(__always)
    func lpsRange(_ range: UInt32, bySum: UnsafePointer<UInt64>) -> UInt32 {
        let word = bySum[Int((Int32(sum) >> 7) & 511)]
        return UInt32(truncatingIfNeeded: word &>> UInt64((range >> 2) & 0x38)) & 0xFF
    }

    /// `update(_:)` through `RawTables.fastNext` (fast state) and `RawTables.steps` (slow).
    @inlinable @inline(__always)
    mutating func update(_ bin: UInt32, fastNext: UnsafePointer<Int8>, steps: UnsafePointer<Int32>) {
        let b = Int32(bitPattern: bin & 1)
        let down = b &- 1                      // 0 for a 1, -1 for a 0
        let fast = Int32(s0)
        var slow = Int32(sum) &- fast &* 16
        let newFast = Int32(fastNext[(Int(shift0) &<< 9) | (Int(b) &<< 8) | Int(fast & 255)])
        slow &+= steps[(Int(shift1) &<< 6) | (Int(b) &<< 5) | Int(((slow &+ (down & 127)) >> 7) & 31)]
        s0 = Int16(truncatingIfNeeded: newFast)
        sum = Int16(truncatingIfNeeded: slow &+ 16 &* newFast)
    }

    /// `update(_:)` through the step table: a state's bucket is its value >> 3 (fast) or
    /// >> 7 (slow) rounded towards the coded bin's side, exactly the reference's index.
    @inlinable @inline(__always)
    mutating func update(_ bin: UInt32, steps: UnsafePointer<Int32>) {
        let b = Int32(bitPattern: bin & 1)
        let down = b &- 1                      // 0 for a 1, -1 for a 0
        let binBit = Int(b) &<< 5
        var fast = Int32(s0)
        var slow = Int32(sum) &- fast &* 16
        fast &+= steps[(Int(shift0) &<< 6) | binBit | Int(((fast &+ (down & 7)) >> 3) & 31)]
        slow &+= steps[(Int(shift1) &<< 6) | binBit | Int(((slow &+ (down & 127)) >> 7) & 31)]
        s0 = Int16(truncatingIfNeeded: fast)
        sum = Int16(truncatingIfNeeded: slow &+ 16 &* fast)
    }

    /// `update(_:)` through a raw adaptation curve, without branches.
    @inlinable @inline(__always)
    mutating func update(_ bin: UInt32, curve: UnsafePointer<Int32>) {
        let sign = Int32(bitPattern: bin << 1) &- 1   // +1 for a 1, -1 for a 0
        var fast = Int32(s0)
        var slow = Int32(sum) &- fast &* 16
        fast &+= sign &* (curve[Int((16 &+ ((sign &* fast) >> 3)) & 31)] >> Int32(shift0))
        slow &+= sign &* (curve[Int((16 &+ ((sign &* slow) >> 7)) & 31)] >> Int32(shift1))
        s0 = Int16(truncatingIfNeeded: fast)
        sum = Int16(truncatingIfNeeded: slow &+ 16 &* fast)
    }
}

/// Prices bins with adapting models outside the coder (rate estimates such as the
/// unary-length choice): `ContextModel.cost` then `update`, on tables fetched once, so a
/// bin carries no lazy-initialization or bounds check.
public struct BinPricer: Sendable {
    @usableFromInline let tables: RawTables

    public init() { tables = .shared }

    /// The cost of `bin` (0 or 1) in `model`, in 1/32768 bit; then `model` adapted to it.
    @inlinable @inline(__always)
    public func price(_ bin: UInt32, _ model: inout ContextModel) -> UInt32 {
        tables.price(bin, &model, shift0: Int32(model.shift0), shift1: Int32(model.shift1))
    }
}

extension RawTables {
    /// `ContextModel.cost` then `update` with the window sizes given (constants in the
    /// initialization-set search): the one pricing step of the estimators.
    @inlinable @inline(__always)
    func price(_ bin: UInt32, _ model: inout ContextModel, shift0: Int32, shift1: Int32) -> UInt32 {
        let sum = Int32(model.sum)
        let cost = self.cost[2 &* Int((512 &+ (sum >> 3)) & 1023) &+ Int(bin & 1)]
        let sign = Int32(bitPattern: (bin & 1) << 1) &- 1
        var fast = Int32(model.s0)
        var slow = sum &- fast &* 16
        fast &+= sign &* (curve[Int((16 &+ ((sign &* fast) >> 3)) & 31)] >> shift0)
        slow &+= sign &* (curve[Int((16 &+ ((sign &* slow) >> 7)) & 31)] >> shift1)
        model.s0 = Int16(truncatingIfNeeded: fast)
        model.sum = Int16(truncatingIfNeeded: slow &+ 16 &* fast)
        return cost
    }
}
