import ArgumentParser
import Codec
import Foundation
import ONNXIO
import Pipeline

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show an ONNX model's opsets, inputs/outputs, operators, parameters and largest tensors, or a bitstream's units and tensors.",
        discussion: "A file ending in .onnx is read as a model; anything else as an NNC bitstream.")

    @Argument(help: "The .onnx model or .nnc bitstream.") var model: String
    @Option(help: "How many of the largest tensors to list.") var top = 10
    @Flag(help: "Print JSON instead of text.") var json = false

    func run() throws {
        switch try Pipeline.info(model, largest: top) {
        case .model(let s): print(json ? Output.json(s) : render(s))
        case .stream(let s): print(json ? Output.json(s) : render(s))
        }
    }

    func render(_ s: ModelSummary) -> String {
        var out: [String] = []
        out.append("\(model): ir_version \(s.irVersion.map(String.init) ?? "?"), opsets "
                   + s.opsets.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                   + (s.producer.map { $0.isEmpty ? "" : ", producer \($0)" } ?? ""))
        for i in s.inputs { out.append("  input  \(i.name): \(i.dtype) [\(i.shape.joined(separator: ", "))]") }
        for o in s.outputs { out.append("  output \(o.name): \(o.dtype) [\(o.shape.joined(separator: ", "))]") }
        out.append("\(s.nodeCount) nodes: " + s.opCounts.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
            .map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        out.append("\(Output.grouped(s.parameters)) parameters, \(Output.bytes(s.parameterBytes))"
                   + (s.externalTensors > 0 ? ", \(s.externalTensors) tensors in external data" : ""))
        out.append(Output.table(["dtype", "tensors", "parameters", "bytes"],
                                s.byDType.map { [$0.dtype, String($0.tensors), Output.grouped($0.parameters), Output.grouped($0.bytes)] }))
        out.append("")
        out.append("largest tensors:")
        out.append(Output.table(["name", "dtype", "shape", "parameters", "bytes"],
                                s.largest.map { [$0.name + ($0.external ? " (ext)" : ""), $0.dtype,
                                                 "[" + $0.shape.map(String.init).joined(separator: ", ") + "]",
                                                 Output.grouped($0.parameters), Output.grouped($0.bytes)] }))
        return out.joined(separator: "\n")
    }

    func render(_ s: StreamSummary) -> String {
        var out = ["\(model): NNC bitstream, \(Output.grouped(s.bytes)) bytes, \(s.units) units, profile \(s.profile.map(String.init) ?? "?"), "
                   + "qp density \(s.qpDensity.map(String.init) ?? "?"), graph: \(s.topology == "onnx" ? "ONNX topology unit (\(Output.grouped(s.topologyBytes)) bytes)" : "not carried (decode needs --graph)")"]
        out.append(String(format: "%@ parameters in %d tensors, %.3f bits/param", Output.grouped(s.parameters), s.tensors.count, s.bitsPerParameter))
        let rows = s.tensors.sorted { $0.bytes > $1.bytes }.prefix(top).map { t in
            [t.name, t.payload, "[" + t.shape.map(String.init).joined(separator: ", ") + "]", Output.grouped(t.parameters),
             Output.grouped(t.bytes), String(format: "%.3f", t.bitsPerParameter),
             t.qp.map { "\($0)" + (t.dependentQuantization ? " dq" : "") } ?? "-"]
        }
        out.append(Output.table(["tensor", "payload", "shape", "parameters", "bytes", "bits/param", "qp"], Array(rows)))
        return out.joined(separator: "\n")
    }
}
