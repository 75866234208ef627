import ArgumentParser
import Codec
import Foundation
import ONNXIO
import Pipeline

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

    func run() throws {
        let out = output ?? OutputPath.replacingExtension(input, with: "onnx")
        try OutputPath.check(out, inputs: [input] + (graph.map { [$0] } ?? []), force: force)
        var job = DecodeJob(input: input, output: out)
        job.graph = graph
        if let threads { job.threads = threads }
        job.externalData = externalData ? true : nil
        let progress = Progress("decoding")
        let r = try Pipeline.decode(job, progress: progress.update)
        progress.finish()
        print(json ? Output.json(r) : Self.text(r))
    }

    static func text(_ r: DecodeJobReport) -> String {
        "\(r.input) → \(r.output): \(r.report.tensors.count) tensors, \(Output.grouped(r.onnxBytes)) bytes (graph from "
            + "\(ErrorAdvice.graphSource(r.report.graphSource))), \(String(format: "%.2f", r.seconds)) s"
    }
}
