// swift-tools-version:6.0
// nncodec — compress neural-network models (ONNX in, ONNX out) the MPEG-7 Part 17 (NNC) way.
import PackageDescription

// Debug builds (swift build, swift test, the Python cross-checks) compile the modules that
// compute with optimization: their tests run the engine, the coder and training loops on
// real models, 5–10× slower at -Onone (docs/architecture.md). The rest stays at -Onone.
let optimizedInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "nncodec",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "nncodec", targets: ["nncodec"]),
        .library(name: "ONNXIO", targets: ["ONNXIO"]),
        .library(name: "CABAC", targets: ["CABAC"]),
        .library(name: "Codec", targets: ["Codec"]),
        .library(name: "Archives", targets: ["Archives"]),
        .library(name: "Tensors", targets: ["Tensors"]),
        .library(name: "Runtime", targets: ["Runtime"]),
        .library(name: "Prune", targets: ["Prune"]),
        .library(name: "Train", targets: ["Train"]),
        .library(name: "Pipeline", targets: ["Pipeline"]),
        .library(name: "RateAllocation", targets: ["RateAllocation"]),
        .library(name: "TrainPrune", targets: ["TrainPrune"]),
        .library(name: "FuzzTargets", targets: ["FuzzTargets"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C libraries from Debian, hidden behind Swift modules.
        .systemLibrary(name: "CLZMA", path: "Sources/CLZMA", pkgConfig: "liblzma",
                       providers: [.apt(["liblzma-dev"])]),
        .systemLibrary(name: "CProtobufC", path: "Sources/CProtobufC", pkgConfig: "libprotobuf-c",
                       providers: [.apt(["libprotobuf-c-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        // onnx.proto compiled by protoc-c (committed; see scripts/gen-onnx-proto.sh).
        .target(name: "CONNXProto", dependencies: ["CProtobufC"], path: "Sources/CONNXProto"),

        // POSIX file I/O: the one EINTR-retrying syscall layer and the one atomic writer.
        .target(name: "SystemIO"),
        // ONNX models as Swift value types: load, save, external data.
        .target(name: "ONNXIO", dependencies: ["CONNXProto", "CProtobufC", "SystemIO"]),
        // Context-adaptive binary arithmetic coder of the NNC standard.
        .target(name: "CABAC", swiftSettings: optimizedInDebug),
        // Quantization, NNR units, encode/decode pipeline.
        .target(name: "Codec", dependencies: ["ONNXIO", "CABAC", "CZlib", "SystemIO"],
                swiftSettings: optimizedInDebug),
        // The sizes the NNC papers report: .xz and genuine .7z archives through liblzma.
        .target(name: "Archives", dependencies: ["CLZMA", "SystemIO"]),
        // CPU inference engine for ONNX graphs (accuracy, pruning, constant propagation).
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        // n-d arrays, .npy/.npz/.pb readers, broadcasting, BLAS, conv geometry and im2col.
        .target(name: "Tensors", dependencies: ["ONNXIO", "CZlib", "COpenBLAS"], swiftSettings: optimizedInDebug),
        // glibc heap policy (mallopt) for steady-state runs.
        .systemLibrary(name: "CHeap", path: "Sources/CHeap"),
        // The engine's own AVX2/FMA kernels (per-function target attributes, run-time CPU check).
        .target(name: "CKernels", path: "Sources/CKernels",
                cSettings: [.unsafeFlags(["-O2"], .when(configuration: .debug))]),
        .target(name: "Runtime", dependencies: ["ONNXIO", "Tensors", "CHeap", "CKernels"], swiftSettings: optimizedInDebug),
        // Pruning (unstructured, structured, LOBSTER search) and topology simplification.
        .target(name: "Prune", dependencies: ["ONNXIO", "Tensors", "Runtime"],
                swiftSettings: optimizedInDebug),
        // The error shape shared by the computing modules (kind, location, message).
        .target(name: "LocatedErrors"),
        // Learning on ONNX graphs: backward rules, tape, losses, optimizers, fine-tuning.
        .target(name: "Train", dependencies: ["ONNXIO", "Tensors", "Runtime", "LocatedErrors"], swiftSettings: optimizedInDebug),
        // Capacity (Shannon–Hartley criticality) scores, static pruning and its experiments.
        .target(name: "Criticality", dependencies: ["ONNXIO", "Tensors", "Runtime", "Prune", "Train", "LocatedErrors"],
                swiftSettings: optimizedInDebug),
        // Sign-flip counting for flip-frequency channel pruning of binary networks.
        .target(name: "FlipFrequency", dependencies: ["ONNXIO", "Tensors", "Runtime", "Train", "LocatedErrors"],
                swiftSettings: optimizedInDebug),
        // Training-time pruning as the seeds train it: LOBSTER, SeReNe, L2 + pruning.
        .target(name: "TrainPrune", dependencies: ["ONNXIO", "Tensors", "Runtime", "Prune", "Train", "LocatedErrors"],
                swiftSettings: optimizedInDebug),
        // Per-tensor rate allocation: the smallest stream that meets an accuracy budget.
        .target(name: "RateAllocation", dependencies: ["ONNXIO", "Codec", "Runtime", "Train", "LocatedErrors"],
                swiftSettings: optimizedInDebug),
        // Rate–accuracy sweeps and comparison reports (tables, CSV, SVG).
        .target(name: "Reports", dependencies: ["ONNXIO", "Codec", "Archives", "Runtime", "Prune", "RateAllocation", "LocatedErrors"]),
        // One library call per job (encode, decode, prune, simplify, evaluate, sweep, report, …), returning report values.
        .target(name: "Pipeline", dependencies: ["ONNXIO", "Codec", "Archives", "Tensors", "Runtime", "Prune", "Train", "Criticality", "Reports", "RateAllocation"]),
        // Testable command implementations behind the thin executable.
        .target(name: "NNCodecCommands", dependencies: [
            "ONNXIO", "Codec", "Archives", "Runtime", "Prune", "Reports", "Train", "TrainPrune", "Pipeline", "Criticality", "RateAllocation", "FlipFrequency",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "nncodec", dependencies: ["NNCodecCommands"]),
        // One entry point per untrusted input, shared by the Fuzz/ package and the regression tests.
        .target(name: "FuzzTargets", dependencies: ["ONNXIO", "Codec", "Tensors"]),

        // Helpers shared by the test targets (seeded random numbers, testdata paths, SHA-256).
        .target(name: "TestSupport", dependencies: ["Tensors"], path: "Tests/TestSupport"),
        .testTarget(name: "SystemIOTests", dependencies: ["SystemIO"]),
        .testTarget(name: "ONNXIOTests", dependencies: ["ONNXIO", "TestSupport"]),
        .testTarget(name: "CABACTests", dependencies: ["TestSupport", "CABAC"]),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors", "TestSupport"]),
        .testTarget(name: "RuntimeTests", dependencies: ["TestSupport", "Runtime", "ONNXIO", "Tensors"]),
        .testTarget(name: "ArchivesTests", dependencies: ["TestSupport", "Archives"]),
        .testTarget(name: "CodecTests", dependencies: ["TestSupport", "Codec", "ONNXIO"]),
        .testTarget(name: "ReportsTests", dependencies: ["TestSupport", "Reports", "Codec", "ONNXIO", "Runtime"]),
        .testTarget(name: "CommandsTests", dependencies: ["TestSupport", "NNCodecCommands", "ONNXIO", "Codec", "Prune"]),
        .testTarget(name: "PipelineJobTests", dependencies: ["TestSupport", "Pipeline", "Codec", "Prune", "Reports", "Runtime", "ONNXIO"]),
        .testTarget(name: "TrainTests", dependencies: ["TestSupport", "Train", "Runtime", "ONNXIO"]),
        .testTarget(name: "FlipFrequencyTests", dependencies: ["TestSupport", "FlipFrequency", "Train", "Runtime", "Prune", "ONNXIO", "Tensors"]),
        .testTarget(name: "CriticalityTests", dependencies: ["Criticality", "Train", "Prune", "Runtime", "ONNXIO"]),
        .testTarget(name: "TrainPruneTests", dependencies: ["TestSupport", "TrainPrune", "Train", "Runtime", "ONNXIO", "Prune", "Reports", "Tensors"]),
        .testTarget(name: "FuzzRegressionTests", dependencies: ["FuzzTargets"]),
        .testTarget(name: "RateAllocationTests", dependencies: ["TestSupport", "RateAllocation", "Codec", "Runtime", "ONNXIO"]),
        .testTarget(name: "PruneTests", dependencies: ["TestSupport", "Prune", "Runtime", "ONNXIO"]),
    ]
)
