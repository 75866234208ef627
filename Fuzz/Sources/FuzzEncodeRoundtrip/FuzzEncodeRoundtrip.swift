import FuzzTargets

/// libFuzzer's entry point: one input through `FuzzTarget.encodeRoundtrip`; a finding aborts the process
/// so libFuzzer records the input as a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = count > 0 && data != nil ? Array(UnsafeBufferPointer(start: data, count: count)) : []
    do { try FuzzTarget.encodeRoundtrip.run(bytes) } catch { fatalError("\(error)") }
    return 0
}

/// libFuzzer calls this once before the first input.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    FuzzTarget.warmUp()
    return 0
}
