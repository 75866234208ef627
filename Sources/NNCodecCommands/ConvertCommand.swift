import ArgumentParser
import ONNXIO
import Pipeline

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

    func run() throws {
        try OutputPath.check(output, inputs: [input], force: force)
        var job = ConvertJob(input: input, output: output)
        job.externalData = inline ? .inlineAll : externalData ? .externalize(thresholdBytes: threshold) : .keep
        let r = try Pipeline.convert(job)
        if json { print(Output.json(r)); return }
        var line = "\(r.output): \(Output.grouped(r.outputBytes)) bytes (input \(Output.grouped(r.inputBytes)))"
        if let d = r.dataFile, let n = r.dataFileBytes { line += ", external data \(d): \(Output.grouped(n)) bytes" }
        print(line)
    }
}
