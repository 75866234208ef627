import ONNXIO
import Tensors

/// `fuzz-npy`: the data files `eval` reads. The first byte picks the reader (.npy, .npz,
/// or a `.pb` TensorProto converted to an array), the rest is the file.
enum DataFileTarget {
    static func run(_ bytes: [UInt8]) throws(FuzzFinding) {
        guard let kind = bytes.first else { return }
        let file = Array(bytes.dropFirst())
        switch kind % 3 {
        case 0:
            if let a = try? file.withUnsafeBytes({ try NPY.decode($0, source: "fuzz.npy") }) { try check(a) }
        case 1:
            if let all = try? file.withUnsafeBytes({ try NPY.decodeArchive($0, source: "fuzz.npz") }) {
                for a in all.values { try check(a) }
            }
        default:
            guard let t = try? file.withUnsafeBytes({ (raw) throws(ONNXError) in try Tensor(serialized: raw, source: "fuzz.pb") }) else { return }
            if let a = try? NDArray(tensor: t) { try check(a) }
        }
    }

    /// An array's element count agrees with its shape.
    static func check(_ a: NDArray) throws(FuzzFinding) {
        let stored: Int
        switch a.storage {
        case .float(let v): stored = v.count
        case .int64(let v): stored = v.count
        case .bool(let v): stored = v.count
        }
        guard a.shape.allSatisfy({ $0 >= 0 }), stored == a.count else {
            throw FuzzFinding(.npy, "array of shape \(a.shape) holds \(stored) elements")
        }
    }
}
