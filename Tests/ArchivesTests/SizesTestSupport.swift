import TestSupport
import Foundation
import Testing

/// The shared seeded generator, visible to every file of this test module.
typealias SeededRandom = TestSupport.SeededRandom

enum SampleData {
    static func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var rng = SeededRandom(seed: seed)
        var out = [UInt8](repeating: 0, count: count)
        var i = 0
        while i < count {
            var word = rng.next()
            for _ in 0..<8 where i < count {
                out[i] = UInt8(truncatingIfNeeded: word)
                word >>= 8
                i += 1
            }
        }
        return out
    }

    /// `count` float32 weights drawn from N(0, std²) (Box–Muller), as little-endian bytes:
    /// what the tensors of a trained network look like to a general-purpose compressor.
    static func normalFloat32(count: Int, seed: UInt64, std: Float = 0.05) -> [UInt8] {
        var rng = SeededRandom(seed: seed)
        var values = [Float](repeating: 0, count: count)
        var i = 0
        while i < count {
            let u1 = max(Double(rng.next() >> 11) / Double(1 << 53), .leastNonzeroMagnitude)
            let u2 = Double(rng.next() >> 11) / Double(1 << 53)
            let r = (-2 * log(u1)).squareRoot()
            values[i] = Float(r * cos(2 * .pi * u2)) * std
            if i + 1 < count { values[i + 1] = Float(r * sin(2 * .pi * u2)) * std }
            i += 2
        }
        return values.withUnsafeBytes { [UInt8]($0) }
    }

    /// Text-like data with lots of repetition.
    static func structured(_ count: Int) -> [UInt8] {
        let line = Array("layer.weight: Conv 3x3 stride 1 pad 1 -> relu\n".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(count)
        var n = 0
        while out.count < count {
            out.append(contentsOf: line)
            out.append(contentsOf: Array(String(n).utf8))
            n += 1
        }
        return Array(out.prefix(count))
    }
}

/// A named test input for parameterized tests.
struct Sample: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: [UInt8]
    var testDescription: String { "\(name) (\(bytes.count) bytes)" }

    static let roundTripCases: [Sample] = [
        Sample(name: "empty", bytes: []),
        Sample(name: "one byte", bytes: [0x42]),
        Sample(name: "random seed 1", bytes: SampleData.randomBytes(10_000, seed: 1)),
        Sample(name: "random seed 2", bytes: SampleData.randomBytes(100_003, seed: 2)),
        Sample(name: "zeros", bytes: [UInt8](repeating: 0, count: 300_000)),
        Sample(name: "text-like", bytes: SampleData.structured(200_000)),
        Sample(name: "normal float32", bytes: SampleData.normalFloat32(count: 50_000, seed: 3)),
        Sample(name: "normal float32 3 MB", bytes: SampleData.normalFloat32(count: 750_000, seed: 4)),
    ]
}

/// The output and exit status of a finished program.
struct ProcessResult {
    var status: Int32
    var output: String
}

enum Tools {
    static let sevenZip = "/usr/bin/7zz"
    static let xz = "/usr/bin/xz"

    /// Fails the test (not skips it) when the official 7-Zip is not installed.
    static func requireSevenZip() throws {
        try #require(FileManager.default.isExecutableFile(atPath: sevenZip),
                     "7-Zip (7zz) is needed to check the .7z writer: apt-get install 7zip")
    }

    static func requireXZ() throws {
        try #require(FileManager.default.isExecutableFile(atPath: xz),
                     "xz is needed to compare .xz sizes: apt-get install xz-utils")
    }

    /// Runs a program with stdout and stderr merged, waiting for it to exit.
    @discardableResult
    static func run(_ path: String, _ arguments: [String], stdoutTo file: URL? = nil) throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["TZ"] = "UTC"  // 7zz prints times in local time
        process.environment = environment
        let pipe = Pipe()
        var outHandle: FileHandle?
        if let file {
            _ = FileManager.default.createFile(atPath: file.path, contents: nil)
            outHandle = try FileHandle(forWritingTo: file)
            process.standardOutput = outHandle
            process.standardError = pipe
        } else {
            process.standardOutput = pipe
            process.standardError = pipe
        }
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try outHandle?.close()
        return ProcessResult(status: process.terminationStatus,
                             output: String(decoding: data, as: UTF8.self))
    }
}

/// A fresh temporary folder, removed by `remove()`.
struct TemporaryFolder {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("nncodec-sizes-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func file(_ name: String) -> URL { url.appendingPathComponent(name) }
    func remove() { try? FileManager.default.removeItem(at: url) }
}

func fileSize(_ url: URL) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
    return (attributes[.size] as? NSNumber)?.intValue ?? -1
}

func elapsedSeconds<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let start = DispatchTime.now().uptimeNanoseconds
    let result = try body()
    return (result, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}
