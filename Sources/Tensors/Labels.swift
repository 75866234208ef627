/// Class labels: the one rule every job that reads labels follows.
///
/// A labels file is a `.npy` (or the single array of a `.npz`/`.pb`) of any integer dtype
/// (int8 … int64, uint8 … uint64) holding one class index per sample: shape `[N]` or
/// `[N, 1]`, every value ≥ 0. Float and bool arrays are refused (a float label is almost
/// always a file mix-up, not a class), so is a count that differs from the samples'.
public enum Labels {
    /// Checks `array` (read from `source`) against the rule and returns its class indices.
    /// `samples`, when given, is the number of samples the labels must match.
    public static func check(_ array: NDArray, source: String, samples: Int? = nil) throws(DataFileError) -> [Int] {
        guard array.elementType == .int64 else {
            throw DataFileError(file: source, message: "labels must be integers, not \(array.elementType)")
        }
        guard array.rank == 1 || (array.rank == 2 && array.shape[1] == 1) else {
            throw DataFileError(file: source, message: "labels must have shape [N] or [N, 1], got \(array.shape)")
        }
        let values = array.int64s
        if let bad = values.firstIndex(where: { $0 < 0 || $0 > Int64(Int32.max) }) {
            throw DataFileError(file: source, message: "label \(values[bad]) at index \(bad) is not a class index (expected ≥ 0)")
        }
        if let samples, values.count != samples {
            throw DataFileError(file: source, message: "\(values.count) labels for \(samples) samples in the data")
        }
        return values.map { Int($0) }
    }

    /// Reads a labels `.npy` file and checks it against the rule.
    public static func read(path: String, samples: Int? = nil) throws -> [Int] {
        try check(try NPY.read(path: path), source: path, samples: samples)
    }
}
