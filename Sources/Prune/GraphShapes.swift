import ONNXIO
import Tensors

/// Shapes of every value of a graph, by Tensors' static shape inference (no session runs).
///
/// Symbolic dimensions of the graph inputs become 1, so the shapes are those of a batch of
/// one; the channel axes the passes care about do not depend on the batch.
enum GraphShapes {
    static func shapes(_ model: Model) throws -> [String: [Int]] {
        do {
            return try ShapeInference.shapes(of: model)
        } catch {
            throw PruneError(.shapes, "cannot infer shapes: \(error)")
        }
    }
}

