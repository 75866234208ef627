import ArgumentParser
import Foundation
import ONNXIO
import Runtime

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a model once on arbitrary inputs and save every output.",
        discussion: """
        Each --data is NAME=FILE or FILE (.npy, .npz or ONNX TensorProto .pb): a file whose array \
        is named after an input binds to it, other files bind by position. Inputs may have any \
        rank and batch the graph allows. -o writes all outputs to a .npz (a .npy holds the first).
        """)

    @Argument(help: "The .onnx model.") var model: String
    @Option(help: "Input data: NAME=FILE or FILE (repeatable).") var data: [String] = []
    @Option(name: .shortAndLong, help: "Save the outputs to this .npz (or .npy).") var output: String?
    @Flag(help: "Overwrite an existing output file.") var force = false
    @Flag(help: "Print JSON instead of text.") var json = false

    struct Summary: Codable {
        struct Value: Codable { var name: String; var type: String; var shape: [Int]; var min: Double?; var max: Double?; var mean: Double? }
        var model: String
        var inputs: [Value]
        var outputs: [Value]
        var seconds: Double
        var saved: String?
    }

    func run() throws {
        if let output { try OutputPath.check(output, inputs: [model] + data.map { String($0.split(separator: "=").last ?? "") }, force: force) }
        let r: ModelRun.Result
        do { r = try ModelRun.run(model: model, data: data, save: output) } catch let e as ONNXError { throw e } catch let e as DataFileError {
            throw CommandError("\(e)")
        } catch { throw CommandError("\(model): \(error)") }
        let s = Summary(model: model, inputs: r.inputs.sorted { $0.key < $1.key }.map { Self.value($0.key, $0.value, nil) },
                        outputs: r.outputs.map { Self.value($0.name, $0.array, $0.declaredType) }, seconds: r.seconds, saved: output)
        if json { print(Output.json(s)); return }
        for v in s.outputs {
            let stats = v.min.map { String(format: "  min %.6g max %.6g mean %.6g", $0, v.max!, v.mean!) } ?? ""
            print("\(v.name): \(v.type) \(v.shape)\(stats)")
        }
        print(String(format: "%.3f ms", r.seconds * 1000) + (output.map { ", outputs saved to \($0)" } ?? ""))
    }

    static func value(_ name: String, _ a: NDArray, _ t: DataType?) -> Summary.Value {
        let f = a.floats
        return Summary.Value(name: name, type: (t ?? a.elementType.onnxType).description, shape: a.shape,
                             min: f.min().map(Double.init), max: f.max().map(Double.init),
                             mean: f.isEmpty ? nil : f.reduce(0.0) { $0 + Double($1) } / Double(f.count))
    }
}
