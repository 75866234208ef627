import ONNXIO
import Runtime

/// What a backward rule sees: the node, the values the forward saved for it, and the
/// gradients of its outputs.
public struct RuleContext {
    public let node: Node
    public let name: String
    public let op: String
    public let opset: Int
    /// Inputs the rule asked to keep (nil otherwise, and for omitted optional inputs).
    public let inputs: [NDArray?]
    /// Shapes of all inputs (always kept; nil for omitted ones).
    public let inputShapes: [[Int]?]
    /// Outputs the rule asked to keep.
    public let outputs: [NDArray?]
    /// Shapes of all outputs (always kept).
    public let outputShapes: [[Int]]
    /// Extra arrays saved by a training-mode forward (batch statistics, dropout masks).
    public let aux: [NDArray]
    /// ∂objective/∂output for each output; nil when no gradient reaches that output.
    public let gradOutputs: [NDArray?]
    /// The rule may use both cores (false: single-threaded, bit-reproducible across machines).
    public var parallel = true
    /// Which inputs' gradients the caller reads (nil: all); a rule may return nil for the
    /// others instead of computing them (e.g. no weight gradient for a sensitivity pass).
    public var wanted: [Bool]? = nil

    /// True if the gradient of input `i` is read by the caller.
    public func wants(_ i: Int) -> Bool { wanted.map { i < $0.count && $0[i] } ?? true }

    public func fail(_ message: String) -> TrainError { .node(name, op, message) }

    public func input(_ i: Int) throws -> NDArray {
        guard i < inputs.count, let v = inputs[i] else { throw fail("input \(i) was not saved for the backward pass") }
        return v
    }

    public func output(_ i: Int) throws -> NDArray {
        guard i < outputs.count, let v = outputs[i] else { throw fail("output \(i) was not saved for the backward pass") }
        return v
    }

    public func shape(_ i: Int) throws -> [Int] {
        guard i < inputShapes.count, let s = inputShapes[i] else { throw fail("input \(i) is required") }
        return s
    }

    /// The gradient of output `i` (zeros of the output's shape when none arrived).
    public func grad(_ i: Int = 0) throws -> NDArray {
        if i < gradOutputs.count, let g = gradOutputs[i] { return g }
        guard i < outputShapes.count else { throw fail("no output \(i)") }
        return NDArray(zeros: outputShapes[i])
    }

    public func int(_ attr: String, _ def: Int) -> Int { node.attribute(attr)?.i.map { Int($0) } ?? def }
    public func float(_ attr: String, _ def: Float) -> Float { node.attribute(attr)?.f ?? def }
    public func ints(_ attr: String) -> [Int]? { node.attribute(attr).map { $0.ints.map { Int($0) } } }
    public func string(_ attr: String, _ def: String) -> String { node.attribute(attr)?.stringValue ?? def }

    func axis(_ a: Int, rank: Int) throws -> Int {
        let r = a < 0 ? a + rank : a
        guard r >= 0 && r < max(rank, 1) else { throw fail("axis \(a) out of range for rank \(rank)") }
        return r
    }
}

/// What a training-mode forward sees (BatchNormalization with batch statistics, Dropout).
public struct ForwardContext {
    public let node: Node
    public let name: String
    public let opset: Int
    public let inputs: [NDArray?]
    /// Seed for this node in this step (Dropout masks).
    public let seed: UInt64
    public func fail(_ message: String) -> TrainError { .node(name, node.opType ?? "", message) }
    public func int(_ attr: String, _ def: Int) -> Int { node.attribute(attr)?.i.map { Int($0) } ?? def }
    public func float(_ attr: String, _ def: Float) -> Float { node.attribute(attr)?.f ?? def }
}

/// A training-mode forward's result.
public struct ForwardResult {
    public var outputs: [NDArray]
    /// Arrays the backward needs besides inputs and outputs.
    public var aux: [NDArray] = []
    /// New values of initializers (BatchNorm running statistics), by input index.
    public var stateUpdates: [Int: NDArray] = [:]
    public init(outputs: [NDArray], aux: [NDArray] = [], stateUpdates: [Int: NDArray] = [:]) {
        self.outputs = outputs
        self.aux = aux
        self.stateUpdates = stateUpdates
    }
}

/// One operator's derivative: which inputs receive gradients, what the forward must keep,
/// and the function from output gradients to input gradients.
public struct BackwardRule: Sendable {
    /// Input indices gradients flow to (e.g. Conv: X, W, B; Reshape: only the data).
    public var differentiable: Set<Int>
    /// Input indices whose values the backward reads (the tape keeps only these).
    public var savesInputs: Set<Int>
    /// Output indices whose values the backward reads.
    public var savesOutputs: Set<Int>
    /// Gradients for each input (nil: none, or not differentiable).
    public var backward: @Sendable (RuleContext) throws -> [NDArray?]
    /// Replaces the inference kernel while training (BatchNormalization, Dropout).
    public var trainingForward: (@Sendable (ForwardContext) throws -> ForwardResult)?

    public init(differentiable: Set<Int>, savesInputs: Set<Int> = [], savesOutputs: Set<Int> = [],
                trainingForward: (@Sendable (ForwardContext) throws -> ForwardResult)? = nil,
                backward: @escaping @Sendable (RuleContext) throws -> [NDArray?]) {
        self.differentiable = differentiable
        self.savesInputs = savesInputs
        self.savesOutputs = savesOutputs
        self.trainingForward = trainingForward
        self.backward = backward
    }

    /// An operator whose outputs carry no gradient (Shape, comparisons, ArgMax, ...).
    public static let constant = BackwardRule(differentiable: []) { _ in [] }
}

/// The table of backward rules: one per operator of the default ONNX domain.
public enum Derivatives {
    public static let rules: [String: BackwardRule] = {
        var t: [String: BackwardRule] = [:]
        registerElementwiseRules(&t)
        registerBinaryRules(&t)
        registerLinearRules(&t)
        registerConvRules(&t)
        registerPoolRules(&t)
        registerNormRules(&t)
        registerShapeRules(&t)
        for op in ["Shape", "Size", "ArgMax", "ArgMin", "Equal", "Less", "Greater", "LessOrEqual",
                   "GreaterOrEqual", "And", "Or", "Xor", "Not", "IsNaN", "Constant", "ConstantOfShape",
                   "Range", "Floor", "Ceil", "Round"] {
            t[op] = .constant
        }
        return t
    }()

    /// Operators with a rule that lets gradients through.
    public static var differentiableOps: [String] { rules.filter { !$0.value.differentiable.isEmpty }.map(\.key).sorted() }
}
