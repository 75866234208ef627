import Tensors

/// The seeded generator of the test targets (SplitMix64, the library's own `SplitMix`), so
/// every random input and every failure reproduces.
public typealias SeededRandom = SplitMix
