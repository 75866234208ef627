import ONNXIO

/// One inference of a model on inputs read from files: what `nncodec run` does.
///
/// Inputs may have any rank and batch the graph allows (declared `-1`, symbolic or missing
/// dims match any size). Each input is a `.npy`, `.npz` or ONNX TensorProto `.pb` file,
/// given as `NAME=FILE` or as `FILE`: a file whose array is named after a graph input binds
/// to it, any other single-array file to the first input not yet given; a `.npz` binds all
/// its arrays named after inputs.
public enum ModelRun {
    /// One graph output, with the element type the graph declares for it.
    public struct Output: Sendable {
        public var name: String
        public var array: NDArray
        /// The ONNX element type the graph declares (nil: undeclared).
        public var declaredType: DataType?
    }

    public struct Result: Sendable {
        public var inputs: [String: NDArray]
        public var outputs: [Output]
        /// Wall time of the inference alone.
        public var seconds: Double
    }

    /// Loads `model`, binds the data files to its inputs, runs it once, and (when `save` is
    /// given) writes every output to that `.npz` (or `.npy` for a single output) atomically.
    public static func run(model path: String, data: [String], save: String? = nil,
                           options: Session.Options = Session.Options()) throws -> Result {
        let session = try Session(path: path, options: options)
        var feed = try bind(data, to: session, model: path)
        for vi in session.model.graph?.inputs ?? [] where vi.type?.tensorType?.elemType == .bfloat16 {
            // bfloat16 data saved as its uint16 bit patterns (NumPy has no bfloat16).
            if let n = vi.name, let a = feed[n], case .int64(let bits) = a.storage {
                feed[n] = NDArray(shape: a.shape, floats: bits.map { Float(bitPattern: UInt32(truncatingIfNeeded: $0) << 16) })
            }
        }
        let clock = ContinuousClock()
        let t0 = clock.now
        let values = try session.run(inputs: feed)
        let d = clock.now - t0
        let declared = declaredTypes(session.model)
        let outs = session.outputNames.map { n in Output(name: n, array: values[n]!, declaredType: declared[n]) }
        if let save { try write(outs, to: save) }
        return Result(inputs: feed, outputs: outs,
                      seconds: Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
    }

    /// Writes outputs to `path`: a `.npy` holds the first output, anything else is a `.npz`
    /// with one member per output.
    public static func write(_ outputs: [Output], to path: String) throws {
        let bytes: [UInt8]
        if path.hasSuffix(".npy") {
            guard let o = outputs.first else { throw DataFileError(file: path, message: "the model has no outputs to save") }
            bytes = NPYWriter.encode(o.array, as: o.declaredType)
        } else {
            bytes = NPYWriter.archive(outputs.map { ($0.name, NPYWriter.encode($0.array, as: $0.declaredType)) })
        }
        do { try FileIO.writeAtomically(path, bytes: bytes) } catch { throw DataFileError(file: path, message: "\(error)") }
    }

    /// Graph output names → declared element type.
    static func declaredTypes(_ model: Model) -> [String: DataType] {
        var r: [String: DataType] = [:]
        for o in model.graph?.outputs ?? [] {
            if let n = o.name, let t = o.type?.tensorType?.elemType { r[n] = t }
        }
        return r
    }

    /// Reads one data file: a `.npz` gives its arrays by name, a `.pb` its tensor under the
    /// tensor's name, a `.npy` one unnamed array.
    public static func read(_ path: String) throws -> [String: NDArray] {
        guard FileIO.exists(path) else { throw DataFileError(file: path, message: "no such file") }
        if path.hasSuffix(".npz") { return try NPY.readArchive(path: path) }
        if path.hasSuffix(".pb") {
            do {
                let t = try Tensor.load(path: path)
                return [t.name ?? "": try NDArray(tensor: t)]
            } catch let e as DataFileError { throw e } catch {
                let text = "\(error)"
                throw DataFileError(file: path, message: text.hasPrefix(path) ? String(text.dropFirst(path.count + 2)) : text)
            }
        }
        return ["": try NPY.read(path: path)]
    }

    /// Binds `NAME=FILE` / `FILE` specs to the session's inputs (see the type's summary).
    public static func bind(_ specs: [String], to session: Session, model: String) throws -> [String: NDArray] {
        var feed: [String: NDArray] = [:]
        let names = session.inputNames
        for spec in specs {
            if let eq = spec.firstIndex(of: "="), !FileIO.exists(spec) {
                let name = String(spec[..<eq]), path = String(spec[spec.index(after: eq)...])
                guard names.contains(name) else {
                    throw RuntimeError.inputMismatch("\(model): has no input '\(name)' (inputs: \(names.joined(separator: ", ")))")
                }
                let arrays = try read(path)
                guard let a = arrays[name] ?? (arrays.count == 1 ? arrays.values.first : nil) else {
                    throw DataFileError(file: path, message: "holds \(arrays.count) arrays and none is called '\(name)'")
                }
                feed[name] = a
                continue
            }
            let arrays = try read(spec)
            let named = arrays.filter { names.contains($0.key) && feed[$0.key] == nil }
            if !named.isEmpty {
                for (k, v) in named { feed[k] = v }
            } else if arrays.count == 1, let a = arrays.values.first {
                guard let name = names.first(where: { feed[$0] == nil }) else {
                    throw DataFileError(file: spec, message: "one data file more than the model's \(names.count) inputs")
                }
                feed[name] = a
            } else {
                throw DataFileError(file: spec, message: "none of its arrays (\(arrays.keys.sorted().joined(separator: ", "))) is named after an input of \(model) (\(names.joined(separator: ", ")))")
            }
        }
        if let missing = names.first(where: { feed[$0] == nil }) {
            throw RuntimeError.inputMismatch("\(model): no data for input '\(missing)' (give NAME=FILE for it)")
        }
        return feed
    }
}
