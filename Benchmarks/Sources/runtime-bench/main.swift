// Throughput of the nncodec Runtime, driven over stdin/stdout by Benchmarks/bench_runtime.py
// so that onnxruntime and this engine can be measured interleaved in the same run.
//
// Commands (one per line), each answered by one line:
//   load NAME MODEL.onnx INPUT_NAME INPUT.npy [REFERENCE.npy]
//        → "ok maxdiff=<max |ours − reference|>" (or "ok" without reference)
//   bench NAME SECONDS   → "<samples/s> <runs>" (after one warm-up run)
//   cpu NAME RUNS        → "<CPU seconds per run> <wall seconds per run>" (process CPU time,
//                          less sensitive to other load than wall time)
//   profile NAME RUNS    → "<op>=<seconds per run>,..." summed per operator type (Conv split
//                          into depthwise, 1×1, grouped and other by the node's attributes)
//   nodes NAME RUNS      → "<node>\t<op>\t<seconds per run>\t..." per node (fused chains under
//                          their first node; Benchmarks/compare_op_profile.py reads it)
//   quit
import Foundation
import Runtime

struct Loaded { let session: Session; let inputs: [String: NDArray]; let batch: Int }
var models: [String: Loaded] = [:]

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

func reply(_ s: String) { FileHandle.standardOutput.write((s + "\n").data(using: .utf8)!) }

/// "Conv" split by kind: depthwise, 1×1, grouped, other (kernel size and stride named).
func kind(_ op: String, _ node: String, _ s: Session) -> String {
    guard op == "Conv", let n = s.model.graph?.nodes.first(where: { $0.name == node }) else { return op }
    let group = n.attribute("group")?.i ?? 1
    let k = n.attribute("kernel_shape")?.ints.map(String.init).joined(separator: "x") ?? "?"
    let st = n.attribute("strides")?.ints.first ?? 1
    if group > 1 {
        let w = s.initializer(n.inputs[1])
        return (w?.shape[1] == 1 ? "Conv-dw" : "Conv-grouped") + "\(k)s\(st)"
    }
    return "Conv-\(k)s\(st)"
}

while let line = readLine() {
    let f = line.split(separator: " ").map(String.init)
    guard let cmd = f.first else { continue }
    do {
        switch cmd {
        case "load" where f.count >= 5:
            let s = try Session(path: f[2])
            let x = try NPY.read(path: f[4])
            let inputs = [f[3]: x]
            let out = try s.run(inputs: inputs)
            models[f[1]] = Loaded(session: s, inputs: inputs, batch: x.shape[0])
            if f.count >= 6 {
                let ref = try NPY.read(path: f[5]).floats
                let got = out[s.outputNames[0]]!.floats
                var d: Float = ref.count == got.count ? 0 : .infinity
                for i in 0..<min(ref.count, got.count) { d = max(d, abs(ref[i] - got[i])) }
                reply("ok maxdiff=\(d)")
            } else {
                reply("ok")
            }
        case "bench" where f.count == 3:
            guard let m = models[f[1]], let t = Double(f[2]) else { reply("error unknown model"); continue }
            _ = try m.session.run(inputs: m.inputs)
            let clock = ContinuousClock()
            var runs = 0
            let t0 = clock.now
            while seconds(clock.now - t0) < t || runs < 3 {
                _ = try m.session.run(inputs: m.inputs)
                runs += 1
            }
            reply("\(Double(runs * m.batch) / seconds(clock.now - t0)) \(runs)")
        case "cpu" where f.count == 3:
            guard let m = models[f[1]], let n = Int(f[2]) else { reply("error unknown model"); continue }
            func cpuTime() -> Double {
                var u = rusage()
                getrusage(RUSAGE_SELF.rawValue, &u)
                return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6
            }
            _ = try m.session.run(inputs: m.inputs)
            let c0 = cpuTime(), t0 = ContinuousClock.now
            for _ in 0..<n { _ = try m.session.run(inputs: m.inputs) }
            reply("\((cpuTime() - c0) / Double(n)) \(seconds(ContinuousClock.now - t0) / Double(n))")
        case "profile" where f.count == 3:
            guard let m = models[f[1]], let n = Int(f[2]) else { reply("error unknown model"); continue }
            var perOp: [String: Double] = [:]
            for _ in 0..<n {
                for t in try m.session.profile(inputs: m.inputs) { perOp[kind(t.op, t.node, m.session), default: 0] += t.seconds / Double(n) }
            }
            reply(perOp.sorted { $0.value > $1.value }.map { "\($0.key)=\(String(format: "%.5f", $0.value))" }.joined(separator: ","))
        case "nodes" where f.count == 3:
            guard let m = models[f[1]], let n = Int(f[2]) else { reply("error unknown model"); continue }
            var order: [String] = [], perNode: [String: (String, Double)] = [:]
            for _ in 0..<n {
                for t in try m.session.profile(inputs: m.inputs) {
                    if perNode[t.node] == nil { order.append(t.node) }
                    perNode[t.node, default: (t.op, 0)].1 += t.seconds / Double(n)
                }
            }
            reply(order.map { "\($0)\t\(perNode[$0]!.0)\t\(String(format: "%.6f", perNode[$0]!.1))" }.joined(separator: "\t"))
        case "quit":
            exit(0)
        default:
            reply("error bad command: \(line)")
        }
    } catch {
        reply("error \(error)")
    }
}
