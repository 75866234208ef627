#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension FileIO {
    /// Maps `length` bytes at `offset` of a file read-only, without reading them: pages come
    /// in as they are touched and can be dropped again (`TensorBytes.evict`), so a model's
    /// external data can be coded tensor by tensor in bounded memory. Errors as `read`'s:
    /// a file shorter than `offset + length` is refused before anything is mapped.
    public static func map(_ path: String, offset: Int, length: Int?) throws(ONNXError) -> TensorBytes {
        let n = try externalRange(path, offset: offset, length: length)
        guard n > 0 else { return TensorBytes() }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw ONNXError(.externalData, file: path, detail: String(cString: strerror(errno)), hint: "check permissions")
        }
        defer { close(fd) }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let aligned = offset & ~(page - 1)
        let skip = offset - aligned
        guard let region = mmap(nil, n + skip, PROT_READ, MAP_PRIVATE, fd, off_t(aligned)), region != MAP_FAILED else {
            throw ONNXError(.externalData, file: path, offset: offset, detail: "cannot map \(n) bytes: \(String(cString: strerror(errno)))",
                            hint: "check the file and the address space")
        }
        let mappedLength = n + skip
        return TensorBytes(mapped: region + skip, count: n, release: { p in _ = munmap(p - skip, mappedLength) })
    }

    /// The byte count of an external-data range: the file must be a regular file holding
    /// `length` bytes at `offset` (or, with `length` nil, the bytes from `offset` to its end).
    static func externalRange(_ path: String, offset: Int, length: Int?) throws(ONNXError) -> Int {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            throw ONNXError(.externalData, file: path, detail: "external data file is missing or not a regular file",
                            hint: "keep the data file next to the model, as when it was saved")
        }
        let size = Int(st.st_size)
        let n = length ?? (size - offset)
        guard offset >= 0, n >= 0, offset <= size, n <= size - offset else {
            throw ONNXError(.externalData, file: path, offset: offset,
                            detail: "wants \(n) bytes at offset \(offset) but the file has \(size)",
                            hint: "the data file is truncated or belongs to another model")
        }
        return n
    }
}
