// Throughput of the CABAC level coder and of the quantizers on seeded Gaussian weights
// (moved out of the test targets, where they only printed). Release build:
//   swift run -c release --package-path Benchmarks codec-bench [cabac] [quant] [model]
// (`model`: one ONNX model's in-process encode and decode, row-major vs --block-scan; see
// the function's comment)
// Each line is the median of RUNS (default 3) runs, in MB/s of float32 weights; CABAC
// times are wall clock, quantizer times thread CPU time. A CABAC round trip that does not
// give the levels back exits 1.
import CABAC
import Codec
import Foundation
import ONNXIO

/// SplitMix64: a seeded generator, so every run codes the same data.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// `count` normal samples (Box–Muller) times `scale`.
func gaussian(count: Int, scale: Double, seed: UInt64) -> [Double] {
    var rng = SeededGenerator(state: seed)
    return (0..<count).map { _ in
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &rng), u2 = Double.random(in: 0..<1, using: &rng)
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2) * scale
    }
}

func threadCPUTime() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func processCPUTime() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }

let runs = Int(ProcessInfo.processInfo.environment["RUNS"] ?? "") ?? 3

/// Encode and decode MB/s of 4M levels (1024-wide rows), with and without the
/// initialization-set search; the levels are typical of qp −38…−32 on a trained layer.
func cabac() throws {
    let count = 1 << 22
    let megabytes = Double(count * 4) / 1e6
    for (scale, dq) in [(1.5, false), (1.5, true), (20.0, false), (20.0, true)] {
        var levels = gaussian(count: count, scale: scale, seed: 1).map { Int32($0.rounded()) }
        if dq { levels = DependentQuantization.reconstructionLevels(indices: levels.map { $0 / 2 }) }
        for paramOpt in [false, true] {
            let options = TensorCodingOptions(dependentQuantization: dq, rowSkipping: true, optimizeInitialization: paramOpt)
            var encode: [Double] = [], decode: [Double] = [], bytes = 0
            for _ in 0..<runs {
                let t0 = Date()
                var e = CABACEncoder(reserveCapacity: count)
                try e.encodeTensor(levels, rowWidth: 1024, options: options)
                let stream = e.finish()
                let t1 = Date()
                var d = CABACDecoder(bytes: stream)
                let decoded = try d.decodeTensor(count: count, rowWidth: 1024, options: options)
                _ = try d.finish()
                let t2 = Date()
                guard decoded == levels else { print("cabac: round trip differs"); exit(1) }
                encode.append(megabytes / t1.timeIntervalSince(t0))
                decode.append(megabytes / t2.timeIntervalSince(t1))
                bytes = stream.count
            }
            print(String(format: "cabac scale %.1f dq %d paramOpt %d: %.2f bits/weight, encode %.1f MB/s, decode %.1f MB/s",
                         scale, dq ? 1 : 0, paramOpt ? 1 : 0, Double(bytes * 8) / Double(count), median(encode), median(decode)))
        }
    }
}

/// MB/s of the uniform, dependent (trellis) and RDO quantizers on 4M weights.
func quant() throws {
    let weights = gaussian(count: 4 << 20, scale: 0.02, seed: 7).map { Float($0) }
    func measure(_ name: String, _ body: () throws -> Void) rethrows {
        var mbps: [Double] = []
        for _ in 0..<runs {
            let t = threadCPUTime()
            try body()
            mbps.append(Double(4 * weights.count) / (threadCPUTime() - t) / 1e6)
        }
        print(String(format: "quant %@: %.1f MB/s", name, median(mbps)))
    }
    try measure("uniform qp -38") { _ = try UniformQuantizer(step: QuantStep(qp: -38)!).quantize(weights) }
    for (qp, lambdaScale, interval) in [(-38, 0.0, 4096), (-38, 1.0, 4096), (-38, 1.0, 256), (-60, 0.0, 4096), (-60, 1.0, 4096)] {
        let dq = DependentQuantizer(step: QuantStep(qp: qp)!, lambdaScale: lambdaScale, rateRefreshInterval: interval)
        try measure("DQ qp \(qp) lambda_scale \(lambdaScale) refresh \(interval)") { _ = try dq.quantize(weights) }
    }
    try measure("RDOQ qp -38 lambda_scale 1") { _ = try RDOQuantizer(step: QuantStep(qp: -38)!, lambdaScale: 1).quantize(weights) }
}

/// In-process encode and decode of the model at MODEL (default testdata/lenet300.onnx) with
/// `--block-scan` 0 and BLOCK_SCAN (default 3), one thread and two, interleaved: the coding
/// itself without process start, ONNX parse or file writes. Medians of RUNS runs (ms), the
/// two-thread speed-up, the stream bytes, and the calling thread's CPU time (with two
/// threads: the serial parts plus its share, the wall time two idle cores would reach). Q (default 8) and DQ=1 choose the setting.
func model() throws {
    let env = ProcessInfo.processInfo.environment
    let path = env["MODEL"] ?? "testdata/lenet300.onnx"
    let m = try ONNXIO.Model.load(path: path)
    let scans = [0, Int(env["BLOCK_SCAN"] ?? "") ?? 3]
    var times: [String: [Double]] = [:]
    var bytes: [Int: Int] = [:]
    var streams: [Int: [UInt8]] = [:]
    func options(_ scan: Int, _ threads: Int) -> EncodeOptions {
        var o = EncodeOptions(q: Int(env["Q"] ?? "") ?? 8)
        o.dependentQuantization = env["DQ"] == "1"
        o.blockScan = scan
        o.threads = threads
        return o
    }
    // PROFILE_THREADS=N: only N threads, for `perf record` (no table printed).
    let threadCounts = env["PROFILE_THREADS"].flatMap { Int($0) }.map { [$0] } ?? [1, 2]
    for scan in scans {
        let s = try ModelEncoder(options: options(scan, 1)).encode(m).bytes
        streams[scan] = s
        bytes[scan] = s.count
    }
    for _ in 0..<runs {
        for scan in scans {
            for threads in threadCounts {
                let t0 = Date(), c0 = threadCPUTime(), p0 = processCPUTime()
                let s = try ModelEncoder(options: options(scan, threads)).encode(m).bytes
                let t1 = Date(), c1 = threadCPUTime(), p1 = processCPUTime()
                try NNRBitstream.decode(streams[scan]!, threads: threads, largestFirst: true, keepLevels: false) { _, _ in }
                let t2 = Date(), c2 = threadCPUTime(), p2 = processCPUTime()
                guard s == streams[scan]! else { print("model: stream depends on the thread count"); exit(1) }
                times["encode \(scan) \(threads)", default: []].append(1000 * t1.timeIntervalSince(t0))
                times["decode \(scan) \(threads)", default: []].append(1000 * t2.timeIntervalSince(t1))
                times["encode cpu \(scan) \(threads)", default: []].append(1000 * (c1 - c0))
                times["decode cpu \(scan) \(threads)", default: []].append(1000 * (c2 - c1))
                // Two idle cores need at least max(calling thread, all threads / 2) of wall time.
                times["encode bound \(scan) \(threads)", default: []].append(1000 * max(c1 - c0, (p1 - p0) / Double(threads)))
                times["decode bound \(scan) \(threads)", default: []].append(1000 * max(c2 - c1, (p2 - p1) / Double(threads)))
                times["encode all \(scan) \(threads)", default: []].append(1000 * (p1 - p0))
            }
        }
    }
    guard threadCounts.count == 2 else { return }
    print("model \(path), -q \(env["Q"] ?? "8")\(env["DQ"] == "1" ? " --dq" : ""), \(runs) runs, medians:")
    for scan in scans {
        for side in ["encode", "decode"] {
            let one = median(times["\(side) \(scan) 1"]!), two = median(times["\(side) \(scan) 2"]!)
            // On a loaded machine wall times measure the other load; CPU times do not. The
            // calling thread is one of the workers and runs every serial part, so two idle
            // cores need at least max(its CPU time, the process's CPU time / 2).
            let cpu1 = median(times["\(side) cpu \(scan) 1"]!), bound2 = median(times["\(side) bound \(scan) 2"]!)
            print(String(format: "  block scan %d %@: 1 thread %.2f ms, 2 threads %.2f ms, %.2fx; %d bytes; " +
                         "CPU 1 thread %.2f ms, 2 threads max(calling thread, all / 2) %.2f ms, %.2fx",
                         scan, side, one, two, one / two, bytes[scan]!, cpu1, bound2, cpu1 / bound2))
            if side == "encode" {
                print(String(format: "    encode 2 threads CPU: calling thread %.2f ms, all threads %.2f ms",
                             median(times["encode cpu \(scan) 2"]!), median(times["encode all \(scan) 2"]!)))
            }
        }
    }
}

let jobs = CommandLine.arguments.dropFirst().isEmpty ? ["cabac", "quant"] : Array(CommandLine.arguments.dropFirst())
for job in jobs {
    switch job {
    case "cabac": try cabac()
    case "quant": try quant()
    case "model": try model()
    default:
        print("codec-bench: unknown job '\(job)' (cabac, quant, model)")
        exit(2)
    }
}
