import TestSupport
import Foundation
import ONNXIO
@testable import Prune
import Runtime

/// Test data paths and helpers shared by the pruning suites.
enum Fixtures {
    static let root = TestData.root
    static func testdata(_ rel: String) -> String { root + "/testdata/" + rel }

    /// The image models of testdata (all take the 28×28 digits).
    static let imageModels = ["lenet300", "lenet5", "resnet_small", "concat_dw"]

    static func model(_ name: String) throws -> Model { try Model.load(path: testdata(name + ".onnx")) }

    nonisolated(unsafe) static var cachedDigits: LabelledData?
    static let lock = NSLock()

    static func digits() throws -> LabelledData {
        lock.lock(); defer { lock.unlock() }
        if let d = cachedDigits { return d }
        let d = try LabelledData.load(data: testdata("digits_test_x28.npy"), labels: testdata("digits_test_y.npy"))
        cachedDigits = d
        return d
    }

    /// Largest |a − b| over the outputs of two models on the whole digits test split.
    static func maxOutputDifference(_ a: Model, _ b: Model) throws -> Double {
        let sa = try Session(model: a), sb = try Session(model: b)
        let x = try digits().inputs
        let r = try sb.fidelity(against: sa, data: [sa.inputNames[0]: x], batchSize: 150)
        return r.maxAbsDiff
    }
}

/// The shared seeded generator, visible to every file of this test module.
typealias SeededRandom = TestSupport.SeededRandom
