import Foundation
import SystemIO
import Testing

/// The one atomic writer: complete files or nothing, never a stray temporary file.
@Suite struct AtomicFileTests {
    static func folder() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nncodec-atomic-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func writesReplacesAndPatches() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/out.bin"
        try "old".write(toFile: path, atomically: false, encoding: .utf8)
        try AtomicFile.write(to: path) { f in
            try [UInt8](repeating: 7, count: 10).withUnsafeBytes { try f.append($0) }
            try [UInt8]([1, 2]).withUnsafeBytes { try f.write($0, at: 0) }
        }
        #expect(FileManager.default.contents(atPath: path) == Data([1, 2] + [UInt8](repeating: 7, count: 8)))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out.bin"])
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o644)
    }

    struct Stop: Error, Equatable {}

    @Test func failureLeavesTheOldFileAndNoTemporary() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/out.bin"
        try "old".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(throws: Stop()) {
            try AtomicFile.write(to: path) { f in
                try [UInt8](repeating: 1, count: 4).withUnsafeBytes { try f.append($0) }
                throw Stop()
            }
        }
        #expect(FileManager.default.contents(atPath: path) == Data("old".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out.bin"])
    }

    @Test func missingFolderNamesTheCall() throws {
        let e = #expect(throws: SystemError.self) { try AtomicFile.write(to: "/nonexistent-nncodec/x/out.bin") { _ in } }
        #expect(e?.call == "create a temporary file in /nonexistent-nncodec/x")
        #expect(e?.errno == ENOENT)
    }
}
