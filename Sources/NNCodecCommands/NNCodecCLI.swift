import ArgumentParser

/// The `nncodec` command line: every subcommand lives in this library so tests can run
/// them without spawning a process.
public struct NNCodecCLI: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "nncodec",
        abstract: "Compress neural-network models: ONNX in, NNC (MPEG-7 Part 17) bitstream, ONNX out.",
        subcommands: [EncodeCommand.self, DecodeCommand.self, EvalCommand.self, SweepCommand.self, ReportCommand.self, PruneCommand.self,
                      SimplifyCommand.self, InfoCommand.self, SizesCommand.self, ConvertCommand.self, FinetuneCommand.self,
                      RunCommand.self, CriticalityCommand.self]
    )
    public init() {}

    /// Parses the arguments, runs the command, and prints library errors with the flags
    /// and advice of `ErrorAdvice`.
    public static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: ErrorAdvice.translate(error))
        }
    }
}
