// swift-tools-version:6.0
// libFuzzer targets for nncodec, kept out of the main package (it does not depend on them).
//   scripts/fuzz.sh --list ; scripts/fuzz.sh fuzz-nnr-decode 60
//
// Each target is a static library holding `LLVMFuzzerTestOneInput`, linked with the fuzzer
// runtime by scripts/fuzz.sh rather than built as an executable: libFuzzer's runtime brings
// its own `main`, while SwiftPM links an executable target with `main` redefined to point at
// the module's entry function, so the fuzzer's `main` would never run.
import Foundation
import PackageDescription

// SwiftPM names a path dependency after its directory (nncodec, main, a worktree name…).
// A checkout in a folder named like this package ("fuzz") would clash with it, so
// scripts/fuzz.sh then points NNCODEC_ROOT at a symbolic link with another name.
let rootPath = Context.environment["NNCODEC_ROOT"] ?? "../"
let root = URL(fileURLWithPath: rootPath, relativeTo: URL(fileURLWithPath: #filePath).deletingLastPathComponent())
    .standardized.lastPathComponent
let fuzzTargets = Target.Dependency.product(name: "FuzzTargets", package: root)

let package = Package(
    name: "nncodec-fuzz",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "fuzz-nnr-decode", type: .static, targets: ["FuzzNNRDecode"]),
        .library(name: "fuzz-onnx-load", type: .static, targets: ["FuzzONNXLoad"]),
        .library(name: "fuzz-npy", type: .static, targets: ["FuzzNPY"]),
        .library(name: "fuzz-encode-roundtrip", type: .static, targets: ["FuzzEncodeRoundtrip"]),
    ],
    dependencies: [.package(path: rootPath)],
    targets: [
        .target(name: "FuzzNNRDecode", dependencies: [fuzzTargets]),
        .target(name: "FuzzONNXLoad", dependencies: [fuzzTargets]),
        .target(name: "FuzzNPY", dependencies: [fuzzTargets]),
        .target(name: "FuzzEncodeRoundtrip", dependencies: [fuzzTargets]),
    ]
)
