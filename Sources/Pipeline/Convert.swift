import ONNXIO

/// One `convert` job: re-serialize a model, moving large tensors out to a data file or back.
public struct ConvertJob: Sendable {
    public var input: String
    public var output: String
    public var externalData: SaveOptions.ExternalData = .keep

    public init(input: String, output: String) {
        self.input = input
        self.output = output
    }
}

/// What a convert job wrote.
public struct ConvertReport: Codable, Sendable {
    public var input: String
    public var output: String
    public var dataFile: String?
    public var inputBytes: Int
    public var outputBytes: Int
    public var dataFileBytes: Int?
}

extension Pipeline {
    /// The external-data files `model` (loaded from `path`) reads.
    static func externalFiles(of model: Model, path: String) -> [String] {
        (model.graph?.initializers ?? []).compactMap { t in
            t.isExternal ? t.externalValue("location").map { FileIO.directory(of: path) + "/" + $0 } : nil
        }
    }

    /// Loads `job.input` and saves it to `job.output` (data file `<output>.data`); refuses
    /// to write that data file over the input's own external data.
    public static func convert(_ job: ConvertJob) throws -> ConvertReport {
        let model = try Model.load(path: job.input)
        let dataName = FileIO.fileName(of: job.output) + ".data"
        let dataPath = FileIO.directory(of: job.output) + "/" + dataName
        for i in externalFiles(of: model, path: job.input) {
            if FileIO.canonical(i) == FileIO.canonical(job.output) {
                throw PipelineError(.overwritesInput, file: job.output, "refusing to overwrite the input file (choose another output)")
            }
            guard FileIO.canonical(i) == FileIO.canonical(dataPath) else { continue }
            throw PipelineError(.overwritesInput, file: dataPath, "refusing to overwrite the input's external data (choose another output)")
        }
        let written = try model.save(to: job.output, options: SaveOptions(externalData: job.externalData, dataFileName: dataName))
        return ConvertReport(input: job.input, output: job.output, dataFile: written, inputBytes: FileIO.size(job.input) ?? 0,
                             outputBytes: FileIO.size(job.output) ?? 0, dataFileBytes: written.flatMap(FileIO.size))
    }
}
