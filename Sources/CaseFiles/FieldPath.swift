/// A field of a case file, named as the libraries name it in errors: object keys joined by
/// `.`, array elements by `[i]` (`patterns[1].probability`, `sae.latents`,
/// `correlated.correlation.strength`, `train.l1`).
///
/// The grammar: PATH = KEY STEP*, STEP = `.` KEY | `[` INDEX `]`, KEY a non-empty run of
/// characters other than `.`, `[` and `]`, INDEX a decimal whole number >= 0.
public struct FieldPath: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
  /// One step into a JSON value.
  public enum Component: Sendable, Hashable {
    /// An object's member.
    case key(String)
    /// An array's element, from 0.
    case index(Int)
  }

  /// The steps from the case file's top-level object, at least one, the first a key.
  public let components: [Component]

  /// Parses `text` by the grammar above; nil when it does not follow it.
  public init?(parsing text: String) {
    var components: [Component] = []
    var rest = Substring(text)
    var expectsKey = true
    while !rest.isEmpty || expectsKey {
      if expectsKey {
        let key = rest.prefix { $0 != "." && $0 != "[" && $0 != "]" }
        guard !key.isEmpty else { return nil }
        components.append(.key(String(key)))
        rest = rest.dropFirst(key.count)
        expectsKey = false
      } else if rest.first == "." {
        rest = rest.dropFirst()
        expectsKey = true
      } else if rest.first == "[" {
        let digits = rest.dropFirst().prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let i = Int(digits),
          rest.dropFirst(1 + digits.count).first == "]"
        else { return nil }
        components.append(.index(i))
        rest = rest.dropFirst(digits.count + 2)
      } else {
        return nil
      }
    }
    self.components = components
  }

  /// A path written in the source, which must follow the grammar.
  public init(stringLiteral text: String) {
    guard let path = FieldPath(parsing: text) else { preconditionFailure("not a field path: \(text)") }
    self = path
  }

  /// The path as written: `patterns[1].probability`.
  public var description: String {
    components.enumerated().map { i, c in
      switch c {
      case .key(let key): i == 0 ? key : ".\(key)"
      case .index(let index): "[\(index)]"
      }
    }.joined()
  }
}
