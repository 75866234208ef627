import ArgumentParser
import Codec
import Foundation
import ONNXIO

struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Rebuild an ONNX model from an NNC bitstream.",
        discussion: "Streams written with --no-topology (or by NNCodec) need --graph with the original model.")

    @Argument(help: "The bitstream (.nnc).") var input: String
    @Option(name: .shortAndLong, help: "The output .onnx (default: the input's path with .onnx).") var output: String?
    @Option(help: "An ONNX model whose graph to fill with the stream's tensors.") var graph: String?
    @Option(help: "Tensors decoded in parallel (default: the number of cores; the model is the same for any count).") var threads: Int?
    @Flag(help: "Overwrite the output if it exists.") var force = false
    @Flag(help: "Print JSON instead of text.") var json = false

    struct Result: Codable {
        var input: String
        var output: String
        var onnxBytes: Int
        var seconds: Double
        var report: DecodeReport
    }

    func run() throws {
        let r = try decode()
        if json { print(Output.json(r)); return }
        print("\(r.input) → \(r.output): \(r.report.tensors.count) tensors, \(Output.grouped(r.onnxBytes)) bytes (graph from \(r.report.graphSource)), \(String(format: "%.2f", r.seconds)) s")
    }

    func decode() throws -> Result {
        let out = output ?? OutputPath.replacingExtension(input, with: "onnx")
        var inputs = [input]
        if let graph { inputs.append(graph) }
        try OutputPath.check(out, inputs: inputs, force: force)
        let start = Date()
        let bytes = try FileIO.read(input)
        guard bytes.count > 0 else { throw CommandError("\(input): file is empty (expected an NNC bitstream)") }
        let graphModel = try graph.map { try Model.load(path: $0) }
        let progress = Progress("decoding")
        let (model, report) = try ModelDecoder.decode(bytes.array, source: input, graph: graphModel,
                                                      threads: threads ?? ParallelWork.defaultThreads) { n, name in
            progress.update(n, 0, name)
        }
        progress.finish()
        try model.save(to: out, options: SaveOptions(externalData: .inlineAll))
        return Result(input: input, output: out, onnxBytes: FileIO.size(out) ?? 0,
                      seconds: Date().timeIntervalSince(start), report: report)
    }
}
