/// An input that cannot be used: the one error every module throws, naming the field and
/// the value.
///
/// `description` is one line, `FIELD: VALUE REASON` (`patterns[1].probability: -0.2 is not in
/// [0, 1]`), or `FIELD: REASON` when there is no value to quote. The kind says whose the
/// mistake is, and so the command line's exit status: a flag's value (usage, 2), a case or
/// SAE file's content (input, 1), or an output that cannot be written (output, 1).
public struct FieldError: Error, Sendable, Hashable, CustomStringConvertible {
  /// Whose the mistake is.
  public enum Kind: String, Sendable, Hashable {
    /// A flag's (or a query parameter's) value: the command was used wrongly.
    case usage
    /// The content of a case file, an SAE file or a computed model.
    case input
    /// An output that cannot be written.
    case output
  }

  /// The field's path in the case file (`patterns[1].probability`), or a flag (`--p0`).
  public var field: String
  /// The offending value as written (or as read back); empty when there is none to quote.
  public var value: String
  /// What is wrong with it (`is not in [0, 1]`).
  public var reason: String
  /// Whose the mistake is.
  public var kind: Kind

  /// An error in `field`'s value; an input error unless said otherwise.
  public init(field: String, value: String, reason: String, kind: Kind = .input) {
    self.field = field
    self.value = value
    self.reason = reason
    self.kind = kind
  }

  /// An error in a flag's value (`--p0`): a usage error.
  public init(flag: String, value: String, reason: String) {
    self.init(field: flag, value: value, reason: reason, kind: .usage)
  }

  public var description: String {
    value.isEmpty ? "\(field): \(reason)" : "\(field): \(value) \(reason)"
  }

  /// This error under an enclosing field: `grow: to: 7 is not in 2...10000`.
  public func within(_ outer: String, kind: Kind? = nil) -> FieldError {
    FieldError(field: outer, value: "", reason: description, kind: kind ?? self.kind)
  }

  /// The same value and reason, named by another field (a flag for a case-file path).
  public func renamed(_ field: String, kind: Kind? = nil) -> FieldError {
    FieldError(field: field, value: value, reason: reason, kind: kind ?? self.kind)
  }
}
