/// A bin consumer addressed by context index (the store is the consumer's business).
@usableFromInline
protocol IndexedBinSink {
    mutating func encodeBin(_ bin: UInt32, contextIndex: Int)
    mutating func encodeBypassBins(_ bins: UInt32, count: Int)
}

/// Adapts a `BinSink` to a context store in memory.
@usableFromInline
struct StoreSink<Sink: BinSink>: IndexedBinSink {
    @usableFromInline var sink: Sink
    @usableFromInline let contexts: UnsafeMutablePointer<ContextModel>

    @inlinable
    init(sink: Sink, contexts: UnsafeMutablePointer<ContextModel>) {
        self.sink = sink
        self.contexts = contexts
    }

    @inlinable @inline(__always)
    mutating func encodeBin(_ bin: UInt32, contextIndex: Int) {
        sink.encodeBin(bin, context: &contexts[contextIndex])
    }

    @inlinable
    mutating func encodeBypassBins(_ bins: UInt32, count: Int) {
        sink.encodeBypassBins(bins, count: count)
    }
}

/// Binarization of one quantization index k (|k| < 2^31):
/// significance flag; sign; greater-than flags j = 0..<G while the level exceeds j + 1;
/// when all G flags are 1, the remainder |k| - G - 1 as order-0 Exp-Golomb with
/// context-coded prefix bits and a bypass suffix.
@inlinable @inline(__always)
func binarizeLevel<S: IndexedBinSink>(
    _ k: Int32, state: Int, neighbourClass nb: Int, layout: ContextLayout, into sink: inout S
) {
    sink.encodeBin(k != 0 ? 1 : 0, contextIndex: 3 &* state &+ nb)
    if k == 0 { return }
    let negative = k < 0
    sink.encodeBin(negative ? 1 : 0, contextIndex: 48 &+ nb)
    var rem = UInt32(k.magnitude) &- 1
    let gtxBase = 53 &+ (negative ? 1 : 0)
    var flag: UInt32 = rem > 0 ? 1 : 0
    sink.encodeBin(flag, contextIndex: gtxBase)
    var coded = 1
    let g = layout.unaryLength
    while flag != 0 && coded < g {
        rem &-= 1
        flag = rem > 0 ? 1 : 0
        sink.encodeBin(flag, contextIndex: gtxBase &+ 2 &* coded)
        coded &+= 1
    }
    guard flag != 0 else { return }
    rem &-= 1
    let prefixBase = 53 &+ 4 &* g
    if rem == 0 {
        sink.encodeBin(0, contextIndex: prefixBase)
        return
    }
    sink.encodeBin(1, contextIndex: prefixBase)
    var base: UInt32 = 1
    var log2: UInt32 = 1
    var ctx = prefixBase &+ 1
    while UInt64(rem) > UInt64(base) + (UInt64(1) << UInt64(log2)) - 1 {
        sink.encodeBin(1, contextIndex: ctx)
        base &+= 1 << log2
        ctx &+= 1
        log2 &+= 1
    }
    sink.encodeBin(0, contextIndex: ctx)
    sink.encodeBypassBins(rem &- base, count: Int(log2))
}

/// One position of a block-scanned tensor: its index decoded (none once the data has run
/// out), the neighbour class moved on, and its reconstruction level stored at `position`.
/// The step of both scanned decodes (one pass, and a row of blocks from its entry point).
@inlinable @inline(__always)
func decodeScannedLevel(
    _ decoder: inout BinDecoder, contexts: UnsafeMutablePointer<ContextModel>, state: Int, neighbour: inout Int,
    unaryLength g: Int, dependentQuantization dq: Bool, into out: UnsafeMutablePointer<Int32>, at position: Int
) -> Int32 {
    if decoder.overrun > 0 { return 0 }
    let k = decodeLevel(&decoder, contexts: contexts, state: state, neighbourClass: neighbour, unaryLength: g)
    neighbour = ContextLayout.neighbourClass(k)
    out[position] = dq ? DependentQuantization.reconstructionLevel(index: k, state: state) : k
    return k
}

/// Decodes one quantization index (the inverse of `binarizeLevel`). Arithmetic wraps on
/// corrupt input, as the reference's does.
@inlinable @inline(__always)
func decodeLevel(
    _ decoder: inout BinDecoder, contexts: UnsafeMutablePointer<ContextModel>,
    state: Int, neighbourClass nb: Int, unaryLength g: Int
) -> Int32 {
    if decoder.decodeBin(context: &contexts[3 &* state &+ nb]) == 0 { return 0 }
    let negative = decoder.decodeBin(context: &contexts[48 &+ nb]) != 0
    let gtxBase = 53 &+ (negative ? 1 : 0)
    var value: UInt32 = 1
    var j = 0
    var flag: UInt32
    repeat {
        flag = decoder.decodeBin(context: &contexts[gtxBase &+ 2 &* j])
        value &+= flag
        j &+= 1
    } while flag != 0 && j < g
    if flag != 0 {
        let prefixBase = 53 &+ 4 &* g
        var bits: UInt32 = 0
        j = 0
        repeat {
            flag = decoder.decodeBin(context: &contexts[prefixBase &+ j])
            if flag != 0 {
                value &+= 1 &<< bits
                bits &+= 1
            }
            j &+= 1
        } while flag != 0 && j < 31
        value &+= decoder.decodeBypassBins(count: Int(bits))
    }
    let signed = Int32(bitPattern: value)
    return negative ? 0 &- signed : signed
}
