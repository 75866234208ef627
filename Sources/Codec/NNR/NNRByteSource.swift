/// Where the bytes of an NNR stream come from: memory, or a file read unit by unit so that
/// a large stream is never held whole (`NNRFileSource`).
public protocol NNRByteSource: Sendable {
    /// Bytes in the stream.
    var count: Int { get }
    /// The `length` bytes at `offset` (the caller keeps `offset + length <= count`).
    func bytes(at offset: Int, length: Int) throws(NNRError) -> [UInt8]
}

extension Array: NNRByteSource where Element == UInt8 {
    public func bytes(at offset: Int, length: Int) throws(NNRError) -> [UInt8] {
        Array(self[offset..<(offset + length)])
    }
}
