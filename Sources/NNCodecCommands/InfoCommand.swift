import ArgumentParser
import ONNXIO

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show an ONNX model's opsets, inputs/outputs, operators, parameters by dtype and largest tensors.")

    @Argument(help: "The .onnx model.") var model: String
    @Option(help: "How many of the largest tensors to list.") var top = 10
    @Flag(help: "Print JSON instead of text.") var json = false

    func run() throws {
        print(try render())
    }

    func render() throws -> String {
        let m = try Model.load(path: model)
        let s = ModelSummary(m, largest: top)
        if json { return Output.json(s) }
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
}
