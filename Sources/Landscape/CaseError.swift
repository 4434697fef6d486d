/// A case that cannot be evaluated, naming the offending field and its value.
///
/// `description` is one line: `patterns[1].probability: -0.2 is not in [0, 1]`.
public struct CaseError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The field's path in the case file (`patterns[1].probability`), or a flag name.
  public var field: String
  /// The offending value as written (or as read back).
  public var value: String
  /// What is wrong with it.
  public var reason: String

  public init(field: String, value: String, reason: String) {
    self.field = field
    self.value = value
    self.reason = reason
  }

  public var description: String {
    value.isEmpty ? "\(field): \(reason)" : "\(field): \(value) \(reason)"
  }
}
