import ArgumentParser
import Codec
import Pipeline
import Prune

/// Turns the libraries' error kinds into command-line advice: the flags involved and what
/// to pass. The libraries never name flags; this file is where they meet the CLI.
enum ErrorAdvice {
    /// The flag that sets each pruning setting.
    static func flag(_ s: PruneSetting) -> String {
        switch s {
        case .criterion: return "--criterion"
        case .sparsity: return "--sparsity"
        case .threshold: return "--threshold"
        case .twt: return "--twt"
        case .perLayer: return "--per-layer"
        case .epsilon: return "--epsilon"
        case .compensate: return "--compensate"
        case .score: return "--score"
        }
    }

    /// The flags that supply each kind of data.
    static func flags(_ d: PruneData) -> String {
        switch d {
        case .labelled: return "--data X.npy --labels Y.npy"
        case .calibration: return "--calibration X.npy or --data X.npy --labels Y.npy"
        }
    }

    /// The message a person sees for `error`: the library's line plus flags and advice.
    static func message(for error: any Error) -> String {
        switch error {
        case let e as PruneError:
            switch e.kind {
            case .setting(let settings): return settings.map(flag).joined(separator: ", ") + ": " + e.message
            case .missingData(let d): return e.message + ": add " + flags(d)
            default: return e.message
            }
        case let e as DecodeError:
            switch e.kind {
            case .missingGraph: return e.description + ": pass --graph MODEL.onnx"
            case .graphMismatch: return e.description + " (is --graph the right model?)"
            default: return e.description
            }
        case let e as PipelineError:
            switch e.kind {
            case .missingData(let what): return e.description + " (\(what): add " + (what.hasPrefix("test") ? "--test-labels Y.npy" : "--data X.npy --labels Y.npy") + ")"
            case .overwritesInput: return e.description.replacingOccurrences(of: "another output", with: "another -o")
            default: return e.description
            }
        case let e as EncodeError:
            if case .stepTooSmall = e.kind { return e.description + " — e.g. a smaller -q or a larger --qp" }
            return e.description
        default:
            return "\(error)"
        }
    }

    /// `error` with the advice above, as an error ArgumentParser prints; other errors
    /// (ArgumentParser's own, clean exits) unchanged.
    static func translate(_ error: any Error) -> any Error {
        switch error {
        case is PruneError, is DecodeError, is EncodeError, is PipelineError: return CommandError(message(for: error))
        default: return error
        }
    }

    /// How a decode report's graph source reads on the command line.
    static func graphSource(_ s: String) -> String { s == "given model" ? "--graph" : s }
}
