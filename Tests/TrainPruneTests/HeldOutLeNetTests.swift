import Foundation
import ONNXIO
import Runtime
import Tensors
import Testing
import TestSupport
import Train
@testable import TrainPrune

/// The held-out LeNets (scripts/make_testdata_lenet_heldout.py): their recorded validation rows
/// are the rows `prune --val-split 0.2 --seed 0` validates on, and on those rows each fixture
/// scores what the script recorded (it never trained on them).
@Suite struct HeldOutLeNetTests {
    static let rowsFile = Paths.testdata("lenet_heldout_val_rows.npy")

    @Test func recordedRowsAreTheLibrarySplit() throws {
        let h = try HeldOutRows(rowsFile: "lenet_heldout_val_rows.npy", fraction: 0.2)
        #expect(h.count == 1347 && h.recorded.count == 269)
        #expect(h.matchesSplit)
    }

    /// The validation set of a `prune --method` run (`--val-split 0.2`, seed 0) is exactly the
    /// recorded rows, and the fixture's top-1 on it is the manifest's held-out value.
    @Test(arguments: ["lenet300_heldout", "lenet5_heldout"])
    func pruneValidationIsHeldOut(name: String) throws {
        let file = Paths.testdata(name + ".onnx")
        let graph = try GradientGraph(model: try Model.load(path: file))
        var r = Finetune.Request(model: file, data: Paths.testdata("digits_train_x28.npy"), output: "")
        r.labels = Paths.testdata("digits_train_y.npy")
        r.validationSplit = 0.2
        let (_, validation, _) = try Finetune.datasets(r, graph: graph)
        let x = try NPY.read(path: Paths.testdata("digits_train_x28.npy")).cast(to: .float32)
        let y = try NPY.read(path: Paths.testdata("digits_train_y.npy")).int64s
        let rows = try NPY.read(path: Self.rowsFile).int64s.map { Int($0) }
        let expected = try Dataset(inputs: x, labels: y).rows(rows)
        #expect(validation?.inputs == expected.inputs && validation?.labels == expected.labels)
        let top1 = try #require(try Trainer(graph: graph, options: TrainingOptions()).evaluate(expected).top1)
        #expect(abs(top1 - (try Self.recordedTop1(name))) < 0.5 / 269)
        #expect(top1 < 0.99)  // out of sample: the in-sample fixtures score 100% here
    }

    static func recordedTop1(_ name: String) throws -> Double {
        let data = try Data(contentsOf: URL(fileURLWithPath: Paths.testdata("manifest.json")))
        let manifest = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let entries = try #require(manifest["lenet_heldout_models"] as? [[String: Any]])
        let entry = try #require(entries.first { $0["name"] as? String == name })
        return try #require(entry["heldout_val_top1"] as? Double)
    }
}
