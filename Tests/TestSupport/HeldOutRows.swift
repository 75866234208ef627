import Tensors

/// A held-out fixture's recorded validation rows (an int64 .npy under testdata/) beside the
/// library's seeded split of the digits' training rows that `prune --val-split F --seed S`
/// validates on.
public struct HeldOutRows {
    public let recorded: [Int]
    public let count: Int
    public let split: (train: [Int], validation: [Int])

    public init(rowsFile: String, fraction: Double, seed: UInt64 = 0) throws {
        recorded = try NPY.read(path: TestData.path(rowsFile)).int64s.map { Int($0) }
        count = try NPY.read(path: TestData.path("digits_train_y.npy")).int64s.count
        split = SeededSplit.rows(count: count, validationFraction: fraction, seed: seed)
    }

    /// The recorded rows are the split's validation rows, none of them trains, and together
    /// the two lists cover every row.
    public var matchesSplit: Bool {
        recorded == split.validation && Set(recorded).isDisjoint(with: split.train)
            && recorded.count + split.train.count == count
    }
}
