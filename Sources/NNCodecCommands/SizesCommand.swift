import ArgumentParser
import Archives
import Codec
import Foundation
import ONNXIO
import Pipeline

struct SizesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sizes",
        abstract: "Report a model's .onnx size, the size of a .7z archive of it (LZMA 9e) and its .xz size (9e).",
        discussion: "A model with external data is measured as one self-contained .onnx (its data inlined).")

    @Argument(help: "The .onnx model (or any file).") var file: String
    @Option(name: .customLong("7z"), help: "Also keep the .7z archive at this path.") var sevenZip: String?
    @Flag(help: "Overwrite the .7z output if it exists.") var force = false
    @Flag(help: "Print JSON instead of text.") var json = false

    func run() throws {
        if let sevenZip { try OutputPath.check(sevenZip, inputs: [file], force: force) }
        let r = try Pipeline.sizes(of: file, sevenZip: sevenZip)
        if json { print(Output.json(r)); return }
        let s = r.sizes
        func ratio(_ n: Int) -> String { String(format: "%.2f%%", 100 * Double(n) / Double(max(s.originalBytes, 1))) }
        print("\(r.file)" + (r.inlinedExternalData ? " (external data inlined)" : ""))
        print(Output.table(["format", "bytes", "of .onnx"], [
            [".onnx", Output.grouped(s.originalBytes), "100.00%"],
            [".7z", Output.grouped(s.sevenZipBytes), ratio(s.sevenZipBytes)],
            [".xz", Output.grouped(s.xzBytes), ratio(s.xzBytes)],
        ]))
        if let p = r.sevenZipPath { print("wrote \(p)") }
    }
}
