import Foundation
import Testing
@testable import ONNXIO

/// `Model.load(path:mapExternalData:)` maps the .onnx file itself too.
@Suite("mapped model load")
struct MappedLoadTests {
    @Test("a mapped load gives the model a read gives; bad files the same errors", arguments: ["lenet5.onnx", "tiny_bert.onnx", "lenet300_ext.onnx"])
    func sameModel(_ name: String) throws {
        let path = Fixtures.testdata(name)
        #expect(try Model.load(path: path, mapExternalData: true) == Model.load(path: path))
    }

    @Test("missing, empty, folder and corrupt inputs fail as with a read")
    func sameErrors() throws {
        let dir = Fixtures.tempDir()
        FileManager.default.createFile(atPath: dir + "/empty.onnx", contents: Data())
        FileManager.default.createFile(atPath: dir + "/bad.onnx", contents: Data([0x0a, 0xff, 0xff, 0x01, 0x02]))
        for path in [dir + "/missing.onnx", dir + "/empty.onnx", dir, dir + "/bad.onnx"] {
            let read = Result { try Model.load(path: path) }
            let mapped = Result { try Model.load(path: path, mapExternalData: true) }
            switch (read, mapped) {
            case (.failure(let a), .failure(let b)): #expect("\(a)" == "\(b)", "\(path)")
            case (.success(let a), .success(let b)): #expect(a == b, "\(path)")
            default: Issue.record("\(path): read and mapped load disagree: \(read) vs \(mapped)")
            }
        }
    }
}
