public import LocatedErrors

/// An error of the Reports module: what went wrong, and where (a file, a method's label).
public typealias ReportError = LocatedError<ReportErrorKind>

/// The kinds of `ReportError`.
public enum ReportErrorKind: String, LocatedErrorKind {
    /// A training log that cannot be read.
    case log
    /// A model that cannot be measured.
    case model
}
