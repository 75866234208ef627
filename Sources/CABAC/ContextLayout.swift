/// Where each context of the level binarization lives in a tensor's context store.
///
/// With G = `cabac_unary_length_minus1` + 1 greater-than flags the store holds
/// 53 + 4G + 37 contexts, laid out as in NNCodec 2.1.3:
/// - significance: 3 · DQ state + neighbour class (0...23)
/// - sign: 48 + neighbour class
/// - greater-than flag j: 53 + 2j (+1 when the level is negative)
/// - remainder prefix bit j (0...30): 53 + 4G + j
/// - initialization-choice flag: 53 + 4G + 34; row-skip flag: 53 + 4G + 36
///
/// The neighbour class of the previous level in scan order is 0 for zero, 1 for negative,
/// 2 for positive.
public struct ContextLayout: Sendable, Equatable {
    /// The number of greater-than flags, G (1...256).
    public let unaryLength: Int

    @inlinable
    public init(unaryLength: Int) {
        precondition(unaryLength >= 1 && unaryLength <= 256, "unary length out of range")
        self.unaryLength = unaryLength
    }

    @inlinable public var count: Int { 53 + 4 * unaryLength + 37 }
    @inlinable public static func neighbourClass(_ previous: Int32) -> Int {
        previous == 0 ? 0 : (previous < 0 ? 1 : 2)
    }
    @inlinable public func significance(state: Int, neighbourClass: Int) -> Int { 3 * state + neighbourClass }
    @inlinable public func sign(neighbourClass: Int) -> Int { 48 + neighbourClass }
    @inlinable public func greater(_ j: Int, negative: Bool) -> Int { 53 + 2 * j + (negative ? 1 : 0) }
    @inlinable public func remainderPrefix(_ j: Int) -> Int { 53 + 4 * unaryLength + j }
    @inlinable public var initChoiceFlag: Int { 53 + 4 * unaryLength + 34 }
    @inlinable public var rowSkipFlag: Int { 53 + 4 * unaryLength + 36 }

    /// The contexts whose initialization set is signalled per tensor, in signalling order:
    /// significance (3, or 24 with DQ), sign (3), greater-than (2G), remainder prefix (31).
    public func signalledContexts(dependentQuantization: Bool) -> [Int] {
        var list = Array(0..<(dependentQuantization ? 24 : 3))
        list += 48..<51
        list += 53..<(53 + 2 * unaryLength)
        list += remainderPrefix(0)..<remainderPrefix(31)
        return list
    }
}

/// The contexts of one tensor: a store laid out by `ContextLayout`.
public struct ContextSet: Sendable, Equatable {
    public let layout: ContextLayout
    public var models: [ContextModel]

    /// All contexts initialized with set 0, as at the start of each tensor.
    public init(unaryLength: Int) {
        layout = ContextLayout(unaryLength: unaryLength)
        models = Array(repeating: ContextModel(initSet: 0), count: layout.count)
    }
}
