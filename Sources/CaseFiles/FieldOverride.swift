import Foundation
import ToyModels

/// `--set FIELD=VALUE`: one field of a case file replaced (or added) before the file is read,
/// so the value is checked exactly as the file's own value would be.
///
/// VALUE is JSON when it parses as JSON (`8`, `0.25`, `true`, `null`, `[1, 2]`, `{"a": 1}`,
/// `"quoted"`), else the text itself as a string (`train.loss=snap`).
public struct FieldOverride: Sendable, Hashable, CustomStringConvertible {
  /// The field replaced: `sae.latents`, `patterns[1].probability`.
  public var path: FieldPath
  /// Its new value.
  public var value: ExactJSON

  public init(path: FieldPath, value: ExactJSON) {
    self.path = path
    self.value = value
  }

  /// Parses `FIELD=VALUE` (the first `=` splits them).
  /// - Throws: `FieldError` (usage, naming `--set`) when there is no `=` or FIELD is no path.
  public init(parsing argument: String) throws {
    guard let equals = argument.firstIndex(of: "=") else {
      throw FieldError(
        flag: "--set", value: "'\(escapedForMessage(argument, limit: 60))'",
        reason: "is not FIELD=VALUE")
    }
    let field = String(argument[..<equals])
    guard let path = FieldPath(parsing: field) else {
      throw FieldError(
        flag: "--set", value: "'\(escapedForMessage(field, limit: 60))'",
        reason: "is not a field path (keys joined by '.', elements as [i]: sae.latents, patterns[1].probability)")
    }
    self.init(path: path, value: Self.value(String(argument[argument.index(after: equals)...])))
  }

  /// VALUE as `--set` reads it: its JSON when it parses as JSON, else the text as a string.
  public static func value(_ text: String) -> ExactJSON {
    (try? JSONDecoder().decode(ExactJSON.self, from: Data(text.utf8))) ?? .string(text)
  }

  /// `sae.latents=8`: the path and the value as JSON.
  public var description: String {
    let json = (try? JSONEncoder().encode(value)).map { String(decoding: $0, as: UTF8.self) }
    return "\(path)=\(json ?? "")"
  }

  /// `root` (a case file's top level as Foundation values) with every override applied in turn.
  ///
  /// A missing key is added (the reader then refuses it if it does not allow it, which
  /// `explaining` words as "no such field"); an index past an array's end, or a step into a
  /// value that is not an object or an array, is refused here.
  /// - Throws: `FieldError` (usage) naming the path.
  public static func applying(_ overrides: [FieldOverride], to root: Any) throws -> Any {
    try overrides.reduce(root) { node, o in
      try o.set(o.value.foundationValue, in: node, at: o.path.components[...])
    }
  }

  private func set(_ value: Any, in node: Any?, at steps: ArraySlice<FieldPath.Component>) throws
    -> Any
  {
    guard let step = steps.first else { return value }
    let done = FieldPath(components: Array(path.components[..<steps.startIndex]))
    let rest = steps.dropFirst()
    switch step {
    case .key(let key):
      guard var object = (node ?? [String: Any]()) as? [String: Any] else {
        throw notA("an object", at: done)
      }
      object[key] = try set(value, in: object[key], at: rest)
      return object
    case .index(let i):
      guard var array = node as? [Any] else {
        throw node == nil ? notA("in the case", at: done) : notA("an array", at: done)
      }
      guard i < array.count else {
        throw FieldError(
          field: "\(FieldPath(components: Array(path.components[...steps.startIndex])))",
          value: "",
          reason: "no such element (\(done) has \(array.count))", kind: .usage)
      }
      array[i] = try set(value, in: array[i], at: rest)
      return array
    }
  }

  /// "--set: PATH steps into DONE, which is not KIND".
  private func notA(_ kind: String, at done: FieldPath) -> FieldError {
    FieldError(
      field: "--set", value: "\(path)",
      reason: "steps into \(done), which is not \(kind)", kind: .usage)
  }

  /// The reader's error, worded for the overrides: a key the reader does not allow that an
  /// override added is "no such field", with the known keys and the nearest one (usage).
  public static func explaining(_ error: FieldError, _ overrides: [FieldOverride]) -> FieldError {
    let marker = "is not a known field (known: "
    guard error.reason.hasPrefix(marker),
      overrides.contains(where: { o in
        let path = o.path.description
        return path == error.field || path.hasPrefix(error.field + ".")
          || path.hasPrefix(error.field + "[")
      })
    else { return error }
    let known = error.reason.dropFirst(marker.count).dropLast()
      .components(separatedBy: ", ")
    let key = error.field.split(separator: ".").last.map(String.init) ?? error.field
    let nearest = known.min { editDistance($0, key) < editDistance($1, key) }
    let hint = nearest.map { editDistance($0, key) <= 3 ? "; did you mean '\($0)'?" : "" } ?? ""
    return FieldError(
      field: error.field, value: "",
      reason: "no such field (known: \(known.joined(separator: ", "))\(hint))", kind: .usage)
  }
}

extension FieldPath {
  /// The path of these steps (at least one, the first a key).
  init(components: [Component]) {
    self.components = components
  }
}
