import Foundation
import ONNXIO
import Tensors
import Testing
import TestSupport
@testable import FlipFrequency
@testable import Train

/// The held-out binary networks (make_testdata_bnn.py --heldout): their recorded validation
/// rows are the rows `prune --val-split 0.3` (seed 0) validates on, and they load as binary.
@Suite struct HeldOutFixtureTests {
    static let rowsFile = TestData.path("bnn_heldout_val_rows.npy")

    @Test func recordedRowsAreTheLibrarySplit() throws {
        let h = try HeldOutRows(rowsFile: "bnn_heldout_val_rows.npy", fraction: 0.3)
        #expect(h.count == 1347 && h.recorded.count == 404)
        #expect(h.matchesSplit)
    }

    /// The data path the flip-frequency job takes (Finetune.datasets) validates on exactly
    /// the recorded rows of the training file.
    @Test func pruneValidationIsTheRecordedRows() throws {
        let model = try Model.load(path: TestData.path("bnn_nin_heldout.onnx"))
        var r = Finetune.Request(model: TestData.path("bnn_nin_heldout.onnx"), data: TestData.path("digits_train_x28.npy"), output: "")
        r.labels = TestData.path("digits_train_y.npy")
        r.validationSplit = 0.3
        let (_, validation, _) = try Finetune.datasets(r, graph: try GradientGraph(model: model))
        let x = try NPY.read(path: TestData.path("digits_train_x28.npy")).cast(to: .float32)
        let y = try NPY.read(path: TestData.path("digits_train_y.npy")).int64s
        let rows = try NPY.read(path: Self.rowsFile).int64s.map { Int($0) }
        let expected = try Dataset(inputs: x, labels: y).rows(rows)
        #expect(validation?.inputs == expected.inputs && validation?.labels == expected.labels)
    }

    @Test(arguments: [("bnn_nin_heldout.onnx", 4), ("bnn_lenet5_heldout.onnx", 2)])
    func fixtureLoadsAsBinary(file: String, binaryLayers: Int) throws {
        let model = try Model.load(path: TestData.path(file))
        #expect(try BinaryLayer.find(in: model).count == binaryLayers)
    }
}
