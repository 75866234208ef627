/// The adaptive probability model of one context: two states that adapt at different rates.
///
/// `s0` adapts fast (shift `shift0`, 4...7) and is scaled by 16 in the sum; the slow state
/// `s1` (shift `shift1`) is kept implicitly as `sum - 16 * s0`. The sign of `sum` gives the
/// most probable symbol (non-negative: 1) and `|sum >> 7|` together with bits 5...7 of the
/// coder range indexes the LPS range table. Adaptation moves each state towards the coded
/// bin by a step read from `adaptationCurve`, so both saturate instead of overflowing.
public struct ContextModel: Sendable, Equatable {
    @usableFromInline var s0: Int16
    @usableFromInline var sum: Int16
    @usableFromInline var shift0: UInt8
    @usableFromInline var shift1: UInt8
    @usableFromInline var setIndex: UInt8

    /// The initialization set (0...8) the context was last initialized with.
    @inlinable public var initSet: UInt8 { setIndex }

    /// A context initialized with one of the nine initialization sets.
    @inlinable
    public init(initSet: Int = 0) {
        s0 = 0; sum = 0; shift0 = 0; shift1 = 0; setIndex = 0
        initialize(initSet: initSet)
    }

    /// Re-initializes states and window sizes from initialization set `initSet` (0...8).
    @inlinable
    public mutating func initialize(initSet: Int) {
        precondition(initSet >= 0 && initSet < 9, "initialization set out of range")
        let entry = initializationSets[initSet]
        setIndex = UInt8(initSet)
        shift0 = UInt8(entry.shift0 + 4)
        shift1 = UInt8(entry.shift1)
        sum = Int16(entry.sum)
        s0 = Int16(entry.s0)
    }

    /// Restores the initial states of the current initialization set (window sizes kept).
    @inlinable
    public mutating func reset() {
        let entry = initializationSets[Int(setIndex)]
        sum = Int16(entry.sum)
        s0 = Int16(entry.s0)
    }

    /// The most probable symbol.
    @inlinable
    public var mps: UInt32 { sum >= 0 ? 1 : 0 }

    /// The LPS sub-range for coder range `range` (256...510).
    @inlinable @inline(__always)
    func lpsRange(_ range: UInt32) -> UInt32 {
        // abs() is taken after the arithmetic shift, as the reference does.
        let row = Int(range & 0xE0)
        let col = Int((Int32(sum) >> 7).magnitude)
        return UInt32(lpsRangeTable[(row + col) & 255])
    }

    /// Adapts both states towards `bin`.
    @inlinable @inline(__always)
    public mutating func update(_ bin: UInt32) {
        // Moving towards 1 adds the step, towards 0 subtracts it; the bucket index is taken
        // from the state as seen from the coded bin's side.
        let sign: Int32 = bin != 0 ? 1 : -1
        var fast = Int32(s0)
        var slow = Int32(sum) &- fast &* 16
        fast &+= sign &* (adaptationCurve[Int((16 &+ ((sign &* fast) >> 3)) & 31)] >> Int32(shift0))
        slow &+= sign &* (adaptationCurve[Int((16 &+ ((sign &* slow) >> 7)) & 31)] >> Int32(shift1))
        s0 = Int16(truncatingIfNeeded: fast)
        sum = Int16(truncatingIfNeeded: slow &+ 16 &* fast)
    }

    /// Estimated cost of coding `bin` in this state, in 1/32768 bit.
    @inlinable @inline(__always)
    public func cost(_ bin: UInt32) -> UInt32 {
        let index = (512 + (Int(sum) >> 3)) & 1023
        return estimatedBitsTable[2 * index + Int(bin & 1)]
    }
}
