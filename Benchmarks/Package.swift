// swift-tools-version:6.0
// Benchmark harnesses for nncodec, kept out of the main package (it does not depend on them).
//   swift build -c release --package-path Benchmarks
import Foundation
import PackageDescription

// SwiftPM names a path dependency after its directory (nncodec, main, a worktree name…).
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "nncodec-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [.package(path: "../")],
    targets: [
        // Runtime throughput server driven by bench_runtime.py (interleaved with onnxruntime).
        .executableTarget(name: "runtime-bench", dependencies: [.product(name: "Runtime", package: root)]),
        // CABAC coder and quantizer throughput on seeded weights (formerly print-only tests).
        .executableTarget(name: "codec-bench", dependencies: [.product(name: "CABAC", package: root),
                                                             .product(name: "Codec", package: root),
                                                             .product(name: "ONNXIO", package: root)]),
    ]
)
