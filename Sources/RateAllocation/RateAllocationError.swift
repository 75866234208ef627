public import LocatedErrors

/// A failure of the rate-allocation search: a kind and one line naming the data, tensor or budget.
public typealias RateAllocationError = LocatedError<RateAllocationErrorKind>

/// The kinds of `RateAllocationError`.
public enum RateAllocationErrorKind: LocatedErrorKind {
    /// No samples, labels that do not match the samples, or data the model cannot run.
    case invalidData
    /// The budget is not met even with every weight tensor at the finest step of the grid.
    case budgetUnreachable
    /// A setting outside its range (budget, grid, split).
    case invalidSetting
}
