import TestSupport
import Foundation
import ONNXIO
@testable import Runtime

/// Repository paths for test data.
enum TestPaths {
    static let root = TestData.root
    static func testdata(_ rel: String) -> String { root + "/testdata/" + rel }
}

/// Largest |a - b| and largest |b|.
func maxDiff(_ a: [Float], _ b: [Float]) -> (diff: Float, scale: Float) {
    var d: Float = 0, s: Float = 0
    for i in 0..<min(a.count, b.count) {
        let e = abs(a[i] - b[i])
        if e > d || e.isNaN { d = e.isNaN ? .infinity : e }
        s = max(s, abs(b[i]))
    }
    return (d, s)
}

/// A message describing where `got` differs from `want`, or nil when within tolerance.
func compare(_ got: NDArray, _ want: NDArray, tol: Float, exact: Bool) -> String? {
    if got.shape != want.shape { return "shape \(got.shape), expected \(want.shape)" }
    switch (got.storage, want.storage) {
    case let (.float(a), .float(b)):
        if exact {
            for i in a.indices where a[i] != b[i] && !(a[i].isNaN && b[i].isNaN) {
                return "element \(i): \(a[i]), expected \(b[i])"
            }
            return nil
        }
        let (d, s) = maxDiff(a, b)
        return d <= tol * max(1, s) ? nil : "max abs diff \(d) > \(tol) × max(1, \(s))"
    case let (.int64(a), .int64(b)):
        return a == b ? nil : "int64 values differ: \(a.prefix(10)) vs \(b.prefix(10))"
    case let (.bool(a), .bool(b)):
        return a == b ? nil : "bool values differ: \(a.prefix(10)) vs \(b.prefix(10))"
    default:
        return "type \(got.elementType), expected \(want.elementType)"
    }
}
