import Foundation

/// Paths of the repository's committed test data, found from this file's location.
public enum TestData {
    /// The repository root (two folders above `Tests/TestSupport`).
    public static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The absolute path of `relative` under `testdata/`.
    public static func path(_ relative: String) -> String { root + "/testdata/" + relative }
}
