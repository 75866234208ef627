import ONNXIO

/// How one stored tensor travels in the bitstream.
public enum TensorRole: String, Sendable, Codable {
    /// Float tensor of 2+ dimensions, quantized at the weight qp.
    case weight
    /// 1-D or scalar float tensor, quantized at the finer non-weight qp.
    case nonWeight
    /// float32 (or float16/bfloat16) tensor stored exactly: 1-D tensors with
    /// `losslessNonWeights`, and every such tensor holding ±inf or NaN or a value whose
    /// level would not fit in int32 at its step, and float inputs that decide an output's
    /// shape or domain (Resize/Upsample scales and roi, Range bounds, Pow exponents).
    /// Coded as FLOAT levels at a power-of-two step that represents every value
    /// (`ExactStep`), else (±inf/NaN, −0, no signallable step) as NNR_PT_RAW_FLOAT.
    case rawFloat
    /// Integer or bool tensor whose values fit in int32, coded losslessly (INT payload).
    case integer
    /// Anything else (strings, 64-bit integers beyond int32, 8/4-bit floats, empty
    /// tensors, exact non-float32 non-weights, doubles with ±inf/NaN, names used twice):
    /// kept verbatim in the topology unit.
    case kept
}

/// One tensor of the model with its place and its role.
struct PlannedTensor {
    var location: TensorLocation
    var tensor: Tensor
    var role: TensorRole
}

enum TensorPlan {
    static let integerTypes: Set<DataType> = [.int8, .uint8, .int16, .uint16, .int32, .uint32, .int64, .uint64, .bool]
    /// Float dtypes whose every value float32 holds exactly, NaN and infinities included.
    static let exactInFloat32: Set<DataType> = [.float, .float16, .bfloat16]

    /// Below this many elements in all, the tensors' values are scanned on one thread.
    static let parallelScanElements = 1 << 20

    /// Every stored tensor of `model` (initializers, `Constant` values, subgraphs) with its
    /// role. A stream name used twice is coded once; later tensors of that name are kept.
    /// The tensors' values are scanned on `options.threads` threads (largest first): on a
    /// 65 MB model the scan is a few milliseconds before any coding can start.
    static func plan(_ model: Model, options: EncodeOptions) -> [PlannedTensor] {
        var seen = Set<String>()
        var exact = Set<String>()
        if let g = model.graph { shapeParameters(g, into: &exact) }
        let located = model.locatedTensors()
        let costs = located.map(\.tensor.elementCount)
        // A small model is scanned on the calling thread: a thread costs more than it saves.
        let threads = costs.reduce(0, +) < parallelScanElements ? 1 : options.threads
        let scanned = ParallelWork.map(costs: costs, threads: threads) { i in
            let role = role(of: located[i].tensor, options: options)
            located[i].tensor.rawData?.evict()   // the scan faulted in mapped pages; coding maps them again
            return role
        }
        return located.indices.map { i in
            let lt = located[i]
            // `role(of:)` does not throw, so every result holds a role.
            var role = (try? scanned[i].get()) ?? .kept
            if role == .weight || role == .nonWeight, exact.contains(lt.tensor.name ?? "") {
                role = exactInFloat32.contains(lt.tensor.dataType) ? .rawFloat : .kept
            }
            if role != .kept, !seen.insert(lt.tensor.name ?? "").inserted { role = .kept }
            return PlannedTensor(location: lt.location, tensor: lt.tensor, role: role)
        }
    }

    /// Float inputs that decide an output's shape or domain: Resize/Upsample scales (and
    /// Resize's roi), Range bounds, Pow's exponent. A quantized scale of 2 (1.999999 at a
    /// step that is no power of two) changes the output size; an exponent of 1.999999 turns
    /// every negative base into NaN (Silero VAD's STFT magnitude). These are stored exactly.
    static let shapeInputs: [String: Set<Int>] = ["Resize": [1, 2], "Upsample": [1], "Range": [0, 1, 2], "Pow": [1]]

    static func shapeParameters(_ g: Graph, into names: inout Set<String>) {
        for n in g.nodes {
            if (n.domain ?? "").isEmpty, let slots = shapeInputs[n.opType ?? ""] {
                for i in slots where i < n.inputs.count && !n.inputs[i].isEmpty { names.insert(n.inputs[i]) }
            }
            for a in n.attributes {
                if let sub = a.g { shapeParameters(sub, into: &names) }
                for sub in a.graphs { shapeParameters(sub, into: &names) }
            }
        }
    }

    /// The role of `t`.
    static func role(of t: Tensor, options: EncodeOptions) -> TensorRole {
        guard t.elementCount > 0, t.name.map({ !$0.isEmpty }) == true, t.dims.allSatisfy({ $0 >= 0 }) else { return .kept }
        if t.dataType.isFloatingPoint {
            guard let (finite, largest) = magnitude(of: t) else { return .kept }
            if !finite {
                // Quantization has no level for ±inf/NaN: store the tensor exactly.
                return exactInFloat32.contains(t.dataType) ? .rawFloat : .kept
            }
            let role: TensorRole = t.dims.count >= 2 ? .weight : .nonWeight
            if role == .nonWeight && options.losslessNonWeights { return t.dataType == .float ? .rawFloat : .kept }
            // A value whose level would overflow at this step (a −1e4 or float32-min mask
            // constant at the fine non-weight step) is stored exactly instead of failing.
            let step = Double(role == .weight
                ? NNRQuantization.stepSize(qp: options.weightQp(of: t.name), qpDensity: options.qpDensity)
                : NNRQuantization.stepSize(qp: options.nonWeightQp(of: t.name), qpDensity: options.qpDensity))
            if Double(largest) / step > QuantStep.maxScaledMagnitude / 4 {
                return exactInFloat32.contains(t.dataType) ? .rawFloat : .kept
            }
            return role
        }
        if integerTypes.contains(t.dataType) {
            guard let v = try? t.int64Values() else { return .kept }
            return v.allSatisfy({ $0 >= Int64(Int32.min) && $0 <= Int64(Int32.max) }) ? .integer : .kept
        }
        return .kept
    }

    /// Whether every value of the float tensor `t` is finite, and the largest magnitude (of
    /// the finite values: meaningful only when all are); nil when its values do not read.
    /// float32 raw data is scanned in place as bits (|x| orders like its bits without the
    /// sign; ±inf and NaN are the bit patterns from 0x7F80_0000 up), other layouts through
    /// `floatValues()`.
    static func magnitude(of t: Tensor) -> (finite: Bool, largest: Float)? {
        if t.dataType == .float, let raw = t.rawData, raw.count == 4 * t.elementCount {
            let top = raw.withUnsafeBytes { bytes -> UInt32 in
                var m: UInt32 = 0
                for i in 0..<bytes.count / 4 {   // mapped external data may be unaligned
                    m = max(m, bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self) & 0x7FFF_FFFF)
                }
                return m
            }
            return (top < 0x7F80_0000, top < 0x7F80_0000 ? Float(bitPattern: top) : .infinity)
        }
        guard let values = try? t.floatValues() else { return nil }
        guard values.allSatisfy({ $0.isFinite }) else { return (false, .infinity) }
        return (true, values.reduce(Float(0)) { max($0, abs($1)) })
    }

    /// `model` with the data of every coded tensor removed (name, dtype and dims stay; a
    /// `Constant` list becomes empty), as the topology unit carries it.
    static func stripped(_ model: Model, plan: [PlannedTensor]) -> Model {
        var m = model
        for p in plan where p.role != .kept {
            var t = p.tensor
            t.stripPayload()
            m.setTensor(t, at: p.location)
        }
        return m
    }
}
