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
    @Flag(help: "Write tensors to OUT.onnx.data as they are decoded (automatic for models over 2 GB).") var externalData = false
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
        print("\(r.input) → \(r.output): \(r.report.tensors.count) tensors, \(Output.grouped(r.onnxBytes)) bytes (graph from \(ErrorAdvice.graphSource(r.report.graphSource))), \(String(format: "%.2f", r.seconds)) s")
    }

    func decode() throws -> Result {
        let out = output ?? OutputPath.replacingExtension(input, with: "onnx")
        var inputs = [input]
        if let graph { inputs.append(graph) }
        try OutputPath.check(out, inputs: inputs, force: force)
        let start = Date()
        let bytes = try NNRFileSource(path: input)
        guard bytes.count > 0 else { throw CommandError("\(input): file is empty (expected an NNC bitstream)") }
        let graphModel = try graph.map { try Model.load(path: $0) }
        let progress = Progress("decoding")
        let (report, dataFile) = try ModelDecoder.decode(bytes, source: input, graph: graphModel,
                                                  threads: threads ?? ParallelWork.defaultThreads, to: out,
                                                  externalData: externalData ? true : nil) { n, name in
            progress.update(n, 0, name)
        }
        progress.finish()
        return Result(input: input, output: out, onnxBytes: (FileIO.size(out) ?? 0) + (dataFile.flatMap(FileIO.size) ?? 0),
                      seconds: Date().timeIntervalSince(start), report: report)
    }
}
