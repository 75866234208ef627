/// Errors of the pipeline jobs themselves (the modules they call keep their own types):
/// what went wrong, and the file it concerns.
public struct PipelineError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A file that should hold something is empty.
        case emptyFile
        /// A data file holds no arrays.
        case noArrays
        /// A job step failed on the data (the message names it).
        case data
        /// An output would overwrite one of the job's inputs.
        case overwritesInput
        /// A job needs data it was not given (`what` names it).
        case missingData(String)
    }

    public var kind: Kind
    public var file: String
    public var message: String

    public init(_ kind: Kind, file: String, _ message: String) {
        self.kind = kind
        self.file = file
        self.message = message
    }

    public var description: String { "\(file): \(message)" }
}
