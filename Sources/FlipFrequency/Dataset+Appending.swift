import Runtime
import Train

extension Dataset {
    /// These samples followed by `other`'s (same per-sample shape; labels kept when both have
    /// them, teacher outputs dropped).
    func appending(_ other: Dataset) throws -> Dataset {
        guard inputs.shape.dropFirst() == other.inputs.shape.dropFirst() else {
            throw FlipError(.invalidData, "validation data", "samples shaped \(Array(other.inputs.shape.dropFirst())), training samples \(Array(inputs.shape.dropFirst()))")
        }
        let x = NDArray(shape: [count + other.count] + inputs.shape.dropFirst(), floats: inputs.floats + other.inputs.floats)
        let y = labels.flatMap { a in other.labels.map { a + $0 } }
        return try Dataset(inputs: x, labels: y)
    }
}
