import Foundation
import FuzzTargets
import Testing

/// Replays every input the fuzzers ever found (`testdata/fuzz/<target>/`, minimized and
/// committed) through the same entry points the libFuzzer targets call, without the fuzzer.
/// A regression shows up as a trap (the test process dies) or as a `FuzzFinding`.
@Suite("fuzz regression inputs")
struct FuzzRegressionTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("testdata/fuzz")

    static func inputs(_ target: FuzzTarget) -> [URL] {
        let dir = root.appendingPathComponent(target.rawValue)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { !$0.hasPrefix(".") && $0 != "README.md" }.sorted().map { dir.appendingPathComponent($0) }
    }

    @Test("every committed input runs clean", arguments: FuzzTarget.allCases)
    func replay(_ target: FuzzTarget) throws {
        for url in Self.inputs(target) {
            let bytes = [UInt8](try Data(contentsOf: url))
            #expect(throws: Never.self, "\(target.rawValue)/\(url.lastPathComponent)") { try target.run(bytes) }
        }
    }

    @Test("the regression folders exist for every target")
    func folders() {
        for target in FuzzTarget.allCases {
            var isDir: ObjCBool = false
            #expect(FileManager.default.fileExists(atPath: Self.root.appendingPathComponent(target.rawValue).path, isDirectory: &isDir) && isDir.boolValue,
                    "testdata/fuzz/\(target.rawValue)")
        }
    }
}
