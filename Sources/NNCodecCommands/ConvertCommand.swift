import ArgumentParser
import ONNXIO

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Re-serialize an ONNX model, optionally moving large tensors to an external-data file or back.")

    @Argument(help: "The input .onnx model.") var input: String
    @Option(name: .shortAndLong, help: "The output .onnx path.") var output: String
    @Flag(help: "Move tensors of at least --threshold bytes into '<output>.data'.") var externalData = false
    @Option(help: "Size in bytes from which a tensor goes to the external-data file.") var threshold = 1024
    @Flag(help: "Put every tensor back into the .onnx file.") var inline = false
    @Flag(help: "Overwrite the output if it exists.") var force = false
    @Flag(help: "Print JSON instead of text.") var json = false

    func validate() throws {
        if externalData && inline { throw ValidationError("--external-data and --inline exclude each other") }
        if threshold < 0 { throw ValidationError("--threshold must be at least 0") }
    }

    struct Result: Codable {
        var input: String
        var output: String
        var dataFile: String?
        var inputBytes: Int
        var outputBytes: Int
        var dataFileBytes: Int?
    }

    func run() throws {
        let r = try convert()
        if json { print(Output.json(r)); return }
        var line = "\(r.output): \(Output.grouped(r.outputBytes)) bytes (input \(Output.grouped(r.inputBytes)))"
        if let d = r.dataFile, let n = r.dataFileBytes { line += ", external data \(d): \(Output.grouped(n)) bytes" }
        print(line)
    }

    func convert() throws -> Result {
        let model = try Model.load(path: input)
        let dataName = FileIO.fileName(of: output) + ".data"
        let dataPath = FileIO.directory(of: output) + "/" + dataName
        var inputs = [input]
        for t in model.graph?.initializers ?? [] where t.isExternal {
            if let loc = t.externalValue("location") { inputs.append(FileIO.directory(of: input) + "/" + loc) }
        }
        try OutputPath.check(output, inputs: inputs, force: force)
        for i in inputs.dropFirst() where FileIO.canonical(i) == FileIO.canonical(dataPath) {
            throw CommandError("\(dataPath): refusing to overwrite the input's external data (choose another -o)")
        }
        let policy: SaveOptions.ExternalData = inline ? .inlineAll : externalData ? .externalize(thresholdBytes: threshold) : .keep
        let written = try model.save(to: output, options: SaveOptions(externalData: policy, dataFileName: dataName))
        return Result(input: input, output: output, dataFile: written, inputBytes: FileIO.size(input) ?? 0,
                      outputBytes: FileIO.size(output) ?? 0, dataFileBytes: written.flatMap(FileIO.size))
    }
}
