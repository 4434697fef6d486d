import Landscape
import ToyModels

/// The one table from a case's field paths (as the libraries name them in errors) to the
/// command-line flags that set them (a server's query parameters are the same names without
/// the dashes).
///
/// A library reports `patterns[1].probability: 1.2 is not in [0, 1]`; when that value came
/// from a flag, the command line says `--p01: 1.2 is not in [0, 1]`. A field maps to its flag
/// only when the flag was given (or, for the hierarchy shorthand, when the shorthand built the
/// case); otherwise the case file's field path stands.
public enum FlagTable {
  /// Field path -> flag, for every field a flag can set: the fields of `CaseParameters.table`,
  /// the fields that errors name as a whole (`patterns`, `path.t`), a sweep's grids and the
  /// training options.
  public static let flags: [String: String] = {
    var flags: [String: String] = [:]
    for parameter in CaseParameters.table {
      for field in parameter.fields where flags[field.description] == nil {
        flags[field.description] = parameter.flag
      }
    }
    return flags.merging(wholes) { table, _ in table }
  }()

  /// The fields errors name as a whole, set by several flags, and those set by flags other
  /// than `CaseParameters.table`'s.
  static let wholes: [String: String] = [
    // The hierarchy's probabilities (and the paper's form, which sets the same patterns).
    "patterns": "--p0 + --p01 + --p1", "path.t": "--t-min/--t-max",
    // A sweep's grids.
    "sweep.axes": "--vary",
    // Training.
    "train.steps": "--steps", "train.batch": "--batch", "train.lr": "--lr",
    "train.beta1": "--beta1", "train.beta2": "--beta2", "train.seed": "--seed",
    "train.dim": "--dim", "train.init": "--init", "train.init_noise": "--init-noise",
    "train.snap_at": "--snap-at", "train.l1": "--l1", "train.trajectory": "--trajectory-every",
    "train.sampling": "--sampling", "train.optimizer": "--optimizer", "train.gtol": "--gtol",
  ]

  /// The error with its field renamed to the flag that set it, when `given` says that flag
  /// was given.
  public static func renamed(_ error: FieldError, given: (String) -> Bool) -> FieldError {
    guard let flag = flags[error.field], given(flag) else { return error }
    return error.renamed(flag, kind: .usage)
  }

  /// Runs `body`, renaming the field of any `FieldError` it throws.
  public static func naming<T>(given: (String) -> Bool, _ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as FieldError { throw renamed(e, given: given) }
  }
}
