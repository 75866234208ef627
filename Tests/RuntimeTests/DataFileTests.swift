import Testing
import ONNXIO
@testable import Runtime

private func path(_ f: String) -> String { TestPaths.testdata("datafiles/" + f) }

@Suite struct DataFileTests {
    let base: [Float] = (0..<12).map { Float($0) - 5.5 }

    @Test func readsNumericTypes() throws {
        for f in ["f4.npy", "f8.npy", "f2.npy"] {
            let a = try NPY.read(path: path(f))
            #expect(a.shape == [3, 4], "\(f)")
            #expect(a.floats == base, "\(f)")
        }
        #expect(try NPY.read(path: path("u1.npy")).int64s == [250, 251, 252, 253, 254, 255])
        #expect(try NPY.read(path: path("i8.npy")).int64s == [-(1 << 40), -1, 0, 7])
        let i4 = try NPY.read(path: path("i4.npy"))
        #expect(i4.shape == [1, 2] && i4.int64s == [-3, 4])
        #expect(try NPY.read(path: path("b1.npy")).bools == [true, false, true])
        let s = try NPY.read(path: path("scalar.npy"))
        #expect(s.shape == [] && s.floats == [2.5])
        let e = try NPY.read(path: path("empty.npy"))
        #expect(e.shape == [0, 3] && e.count == 0)
    }

    @Test func rejectsUnsupportedOrBrokenFiles() throws {
        func message(_ f: String) -> String {
            do { _ = try NPY.read(path: path(f)); return "no error" } catch { return "\(error)" }
        }
        #expect(message("fortran.npy").contains("Fortran"))
        #expect(message("object.npy").contains("pickled"))
        #expect(message("bigendian.npy").contains("big-endian"))
        #expect(message("truncated.npy").contains("truncated"))
        #expect(message("trailing.npy").contains("after the data"))
        #expect(message("notnpy.npy").contains("not a .npy"))
        #expect(message("missing.npy").contains("missing.npy"))
    }

    @Test("a signed or huge item size in descr is an unsupported dtype, not an overflow trap (fuzz finding)")
    func rejectsBadItemSizes() {
        func message(_ descr: String) -> String {
            var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (3, 4), }"
            while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
            header += "\n"
            let bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 255), UInt8(header.utf8.count >> 8)]
                + Array(header.utf8) + [UInt8](repeating: 0, count: 48)
            do { _ = try bytes.withUnsafeBytes { try NPY.decode($0, source: "x.npy") }; return "no error" } catch { return "\(error)" }
        }
        #expect(message("<f4").hasPrefix("no error"))
        #expect(message("<f-3358620089509041492").contains("unsupported dtype '<f-3358620089509041492'"))
        #expect(message("<f-4").contains("unsupported dtype"))
        #expect(message("<f99999999999999999999").contains("unsupported dtype"))
    }

    @Test func checksExpectedTypeAndShape() throws {
        #expect(try NPY.read(path: path("f4.npy"), as: .float32, shape: [nil, 4]).shape == [3, 4])
        #expect(throws: DataFileError.self) { try NPY.read(path: path("f4.npy"), as: .int64) }
        #expect(throws: DataFileError.self) { try NPY.read(path: path("f4.npy"), as: .float32, shape: [4, 3]) }
    }

    @Test func readsArchives() throws {
        let s = try NPY.readArchive(path: path("stored.npz"))
        #expect(Set(s.keys) == ["x", "labels"])
        #expect(s["x"]?.floats == base)
        #expect(s["labels"]?.int64s == [1, 2, 3])
        let c = try NPY.readArchive(path: path("compressed.npz"))
        #expect(c["x"]?.shape == [50, 100])
        #expect(c["x"]?.floats == (0..<5000).map { Float($0 % 17) })
        #expect(c["y"]?.int64s == (0..<10).map { Int64($0) })
        #expect(throws: DataFileError.self) { try NPY.readArchive(path: path("truncated.npz")) }
        #expect(throws: DataFileError.self) { try NPY.readArchive(path: path("corrupt.npz")) }
        #expect(throws: DataFileError.self) { try NPY.readArchive(path: path("f4.npy")) }
    }

    @Test func readsTensorProtoFiles() throws {
        let t = try NDArray.read(path: path("tensor_f4.pb"))
        #expect(t.shape == [3, 4] && t.floats == base)
        #expect(try NDArray.read(path: path("tensor_i8.pb")).int64s == [5, -6])
        #expect(try NDArray.read(path: path("f4.npy")).floats == base)
        #expect(throws: DataFileError.self) { try NDArray.read(path: path("notnpy.npy").replacingSuffix()) }
    }
}

private extension String {
    func replacingSuffix() -> String { String(dropLast(4)) + ".pb" }
}
