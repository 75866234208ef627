import ONNXIO
@testable import Prune
@testable import Runtime
import Testing
import TestSupport

/// SHA-256 of the serialized model after prune → simplify, recorded before the library
/// refactoring of issue 9 (shape inference and im2col moved below Prune) so that every later
/// change proves the pruned and simplified models byte-identical. Re-recorded on purpose:
/// "concat_dw structured-0.5-compensated" when the engine's 3×3 convolutions moved to
/// Winograd F(2×2,3×3) (compensation fits on the engine's activations, which now differ
/// from the direct GEMM's by float rounding), and again when the engine got its AVX2/FMA
/// kernels (CKernels: fused multiply-adds round differently) — on a CPU without AVX2/FMA
/// the engine keeps its portable loops and the earlier hash (`portable`) still holds. Once
/// more for "lenet5 structured-0.5-compensated" when LeNet-5's 5×5 convolutions (one input
/// channel: not Winograd's) moved from im2col + OpenBLAS to the own phased GEMM (issue 17).
@Suite("golden prune/simplify hashes")
struct GoldenPruneTests {
    static let golden: [String: String] = [
        "concat_dw structured-0.5": "f9dbc1ac493d34d4cf7baf057716d9b0940109eeada276e6db0c80e4b0cd1c4d",
        "concat_dw structured-0.5-compensated": "1448c73c593f3bd8ac9e87896da46610d329b6d75627e62fed921893de6d292c",
        "concat_dw unstructured-0.9": "2607b75a21e2154fcf98811318b0f996d541b56427d31e0183d5c45b2a2c6b88",
        "lenet300 structured-0.5": "e21b17f60b93cb224afa30444c9efa558a8661c83dc0f2def30610ce3206eb8a",
        "lenet300 structured-0.5-compensated": "ed618590e1afbaeca1a1ce8f4b3906eda3ad23b696a62767ce6db7fc08f94462",
        "lenet300 unstructured-0.9": "6a1109c1497be7ba30a77223eefbfb97b3844af4b23b1c1ca282cdf7a78a816d",
        "lenet5 structured-0.5": "88016c5ea37b01ea7a2367c7fabbcd44d303de137840238d4768b6da20c77b1c",
        "lenet5 structured-0.5-compensated": "2a474e7f8e32a1192753b7f08cb036a219d04e1b109a4f1f7a6e46e238b0a488",
        "lenet5 unstructured-0.9": "d0e8f3426aef3e09fe6f49ef3978673ecb25b76626ab37839d40b4562db1e524",
        "resnet_small structured-0.5": "bece7eff661fa70c9e8b4739becb0832c13ffd6347852aa42138d4a27e5e7373",
    ]

    /// The hashes that differ when the engine runs its portable Swift kernels.
    static let portable: [String: String] = [
        "concat_dw structured-0.5-compensated": "979606df0309ce8160026f71c14cb07421ff3e0597d6f367e7e5e9bec848c8b0",
        "lenet5 structured-0.5-compensated": "6a7f50c3267ff029039649f8fc42f9126680f6241a1e9666601cc353de96418a",
    ]

    static let cases: [String: PruneOptions] = [
        "structured-0.5": PruneOptions(criterion: .structured, target: .sparsity(0.5)),
        "structured-0.5-compensated": PruneOptions(criterion: .structured, target: .sparsity(0.5), compensate: true),
        "unstructured-0.9": PruneOptions(criterion: .unstructured, target: .sparsity(0.9)),
    ]

    /// One case per recorded key ("model setting"), so the cases run in parallel.
    @Test(arguments: golden.keys.sorted())
    func prunedModelMatchesRecordedHash(_ key: String) throws {
        let parts = key.split(separator: " ").map(String.init)
        let m = try Fixtures.model(parts[0])
        let options = try #require(Self.cases[parts[1]])
        let cal = options.compensate ? try NPY.read(path: Fixtures.testdata("digits_calib_x28.npy")) : nil
        let (pruned, _) = try Pruner.prune(m, options: options, calibration: cal)
        let (simplified, _) = try Simplifier.simplify(pruned)
        let hash = SHA256.hex(simplified.serialized())
        let want = CPUKernels.available ? Self.golden[key] : Self.portable[key] ?? Self.golden[key]
        #expect(want == hash, "\(key): SHA-256 \(hash)")
    }
}
