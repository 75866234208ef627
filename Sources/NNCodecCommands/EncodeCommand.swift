import ArgumentParser
import Archives
import Codec
import Foundation
import ONNXIO
import Pipeline
import Prune
import RateAllocation

struct EncodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Compress an ONNX model into an NNC (MPEG-7 Part 17) bitstream.",
        discussion: """
        Weights (float tensors of 2+ dimensions) are quantized at step 2^-q (-q N) or at the \
        standard's qp (--qp, --qp-density); without either, NNCodec's default qp -38 at density 2. \
        1-D float tensors use the finer --nonweight-qp; integer tensors are coded losslessly; \
        every dtype comes back as it was. The ONNX graph travels in the stream unless --no-topology.
        """)

    @Argument(help: "The .onnx model.") var model: String
    @Option(name: .customShort("q"), parsing: .unconditional, help: "Uniform step 2^-N for weights (qp = -4N at qp density 2).") var q: Int?
    @Option(parsing: .unconditional, help: "The standard's quantization parameter for weights.") var qp: Int?
    @Option(help: "qp density d (step (1 + (qp mod 2^d)/2^d) * 2^floor(qp/2^d)).") var qpDensity: Int?
    @Option(parsing: .unconditional, help: "qp of 1-D float tensors (biases, BatchNorm).") var nonweightQp: Int?
    @Option(parsing: .unconditional, help: "Non-weight step 2^-N (overrides --nonweight-qp).") var nonweightQ: Int?
    @Flag(help: "Store 1-D float tensors exactly instead of quantizing them.") var losslessNonweights = false
    @Flag(help: "Dependent quantization (8-state trellis) for weights.") var dq = false
    @Option(help: "Rate-distortion trade-off (0 = distortion only).") var lambda: Double = 0
    @Flag(help: "Do not signal all-zero rows.") var noRowSkipping = false
    @Flag(help: "Use context initialization set 0 for every tensor (no param_opt).") var noParamOpt = false
    @Flag(help: "param_opt over whole tensors, exactly as NNCodec (slower; default: the first 16384 levels of each).") var exactParamOpt = false
    @Option(help: "Greater-than flags G for every tensor, 1...256 (NNCodec writes 11; default: chosen per tensor for the smallest stream).")
    var unaryLength: Int?
    @Flag(help: "Write NNCodec's stream form without the ONNX graph (decode needs --graph).") var noTopology = false
    @Option(help: "Tensors encoded in parallel (default: the number of cores; the stream is the same for any count).") var threads: Int?
    @Option(help: ArgumentHelp("Block scan for weight tensors of 65536+ elements: 0 row-major (default), 1-4 blocks of 8/16/32/64 with entry points, so one large tensor uses several threads (about 1% more bytes on it).", valueName: "N"))
    var blockScan: Int = 0
    @Option(name: .shortAndLong, help: "The bitstream path (default: the model's path with .nnc).") var output: String?
    @Flag(help: "Overwrite the output if it exists.") var force = false
    @Flag(help: "Also report the .7z and .xz sizes of the .onnx (slow on large models).") var sizes = false
    @Flag(help: "Print JSON instead of text.") var json = false
    @Option(name: .customLong("prune"), help: "Prune first: unstructured or structured (options as for `nncodec prune`).")
    var pruneCriterion: Criterion?
    @OptionGroup(title: "Pruning (with --prune)") var pruning: PruneArguments
    @Flag(help: "Simplify before encoding (fold BatchNorm, remove dead channels; see `nncodec simplify`).") var simplify = false
    @OptionGroup(title: "Rate allocation (per-tensor qps for the smallest stream within an accuracy budget on --data)")
    var allocation: AllocationArguments

    func validate() throws {
        if let c = pruneCriterion { _ = try pruning.options(c) } else if pruning.sparsity != nil || pruning.threshold != nil || pruning.twt != nil {
            throw ValidationError("--sparsity, --threshold and --twt go with --prune CRITERION")
        }
        if q != nil && qp != nil { throw ValidationError("give either -q or --qp, not both") }
        if let q, q < -31 || q > 31 { throw ValidationError("-q must be between -31 and 31") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if !(0...4).contains(blockScan) { throw ValidationError("--block-scan must be 0 (row-major) to 4") }
        try allocation.check(data: pruning.data, labels: pruning.labels, pruning: pruneCriterion != nil, qpGiven: q != nil || qp != nil)
    }

    func options() throws -> EncodeOptions {
        var o = q.map { EncodeOptions(q: $0) } ?? EncodeOptions()
        if let qp { o.qp = qp }
        if let qpDensity {
            if let q, qpDensity != 2 { o.qp = QuantStep.qp(powerOfTwo: q, qpDensity: qpDensity) }
            o.qpDensity = qpDensity
            o.nonWeightQp = EncodeOptions.defaultNonWeightQp(density: qpDensity)
        }
        if let nonweightQp { o.nonWeightQp = nonweightQp }
        if let nonweightQ { o.nonWeightQp = QuantStep.qp(powerOfTwo: nonweightQ, qpDensity: o.qpDensity) }
        o.losslessNonWeights = losslessNonweights
        o.dependentQuantization = dq
        o.lambda = lambda
        o.rowSkipping = !noRowSkipping
        o.optimizeInitialization = !noParamOpt
        if exactParamOpt { o.initializationSearchLimit = nil }
        o.unaryLength = unaryLength
        o.carryTopology = !noTopology
        if let threads { o.threads = threads }
        o.blockScan = blockScan
        try o.validate()
        return o
    }

    func run() throws {
        let out = output ?? OutputPath.replacingExtension(model, with: "nnc")
        try OutputPath.check(out, inputs: [model], force: force)
        var job = EncodeJob(model: model, output: out, options: try options())
        if let c = pruneCriterion {
            job.pruning = try pruning.options(c)
            job.data = try pruning.labelled()
            job.calibration = try pruning.calibrationInputs()
        }
        job.simplify = simplify
        job.measureSizes = sizes
        job.allocation = try allocation.job(data: pruning.data, labels: pruning.labels)
        let search = Progress("searching"), coding = Progress("encoding")
        let r = try Pipeline.encode(job, searchProgress: search.update, encodeProgress: coding.update,
                                    allocationLog: job.allocation == nil ? nil : AllocationArguments.log)
        search.finish()
        coding.finish()
        print(json ? Output.json(r) : Self.summary(r) + (r.allocation.map { "\n" + AllocationArguments.summary($0) } ?? ""))
    }

    static func summary(_ r: EncodeJobReport) -> String {
        let rep = r.report
        var lines = ["\(r.model) → \(r.output)"]
        if let c = r.comparison {
            lines.append("prune/simplify before encoding (.onnx below is the model encoded):")
            lines.append(c.table())
            lines.append("")
        }
        var rows: [[String]] = [[".onnx", Output.grouped(r.onnxBytes), "100.00%", ""]]
        if let s = r.sizes {
            rows.append([".7z", Output.grouped(s.sevenZipBytes), pct(s.sevenZipBytes, r.onnxBytes), ""])
            rows.append([".xz", Output.grouped(s.xzBytes), pct(s.xzBytes, r.onnxBytes), ""])
        }
        rows.append(["bitstream", Output.grouped(r.bitstreamBytes), pct(r.bitstreamBytes, r.onnxBytes),
                     String(format: "%.2fx smaller, %.3f bits/param", r.ratio, r.bitsPerParameter)])
        lines.append(Output.table(["", "bytes", "of .onnx", ""], rows))
        let o = rep.options
        lines.append(String(format: "weights qp %d (Δ = %.6g)%@, non-weights %@; %@ coded parameters, topology unit %@ bytes; %.2f s",
                            o.qp, Double(o.weightStep), o.dependentQuantization ? ", dependent quantization" : "",
                            o.losslessNonWeights ? "exact" : String(format: "qp %d (Δ = %.3g)", o.nonWeightQp, Double(o.nonWeightStep)),
                            Output.grouped(rep.codedParameters), Output.grouped(rep.topologyBytes), r.seconds))
        var err: [[String]] = []
        for role in [TensorRole.weight, .nonWeight] {
            if let e = rep.error(of: role) {
                err.append([role.rawValue, Output.grouped(e.parameters), String(format: "%.3e", e.max), String(format: "%.3e", e.rms)])
            }
        }
        if !err.isEmpty { lines.append(Output.table(["class", "parameters", "max |w-ŵ|", "RMS error"], err)) }
        return lines.joined(separator: "\n")
    }

    static func pct(_ a: Int, _ b: Int) -> String { String(format: "%.2f%%", 100 * Double(a) / Double(max(b, 1))) }
}
