import Foundation

/// The one JSON encoding of every report the tool prints (and a server would return).
///
/// Keys sorted (so the same report gives the same bytes in every run), slashes not escaped,
/// numbers as the shortest decimal that reads back to the same Double; a non-finite number
/// is written as null wherever it stands (a `Double` field, a list of them, a `ReportNumber`).
public enum ReportJSON {
  /// The report as one line of JSON text (no trailing newline).
  public static func string<T: Encodable>(_ report: T) throws -> String {
    String(decoding: try data(report), as: UTF8.self)
  }

  /// The report as JSON text in UTF-8 (no trailing newline): the bytes `string` returns.
  public static func data<T: Encodable>(_ report: T) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    do {
      return try encoder.encode(report)
    } catch EncodingError.invalidValue(let value, _) where value is Double || value is Float {
      // JSONEncoder writes a non-finite number only as a string: mark each one so, then
      // write null in its place. Only reached when the report holds one.
      encoder.nonConformingFloatEncodingStrategy = .convertToString(
        positiveInfinity: nonFinite, negativeInfinity: nonFinite, nan: nonFinite)
      let text = String(decoding: try encoder.encode(report), as: UTF8.self)
      return Data(text.replacingOccurrences(of: "\"\(nonFinite)\"", with: "null").utf8)
    }
  }

  /// What a non-finite number is written as before it becomes null: no report string
  /// holds these noncharacters.
  private static let nonFinite = "\u{FFFE}non-finite\u{FFFE}"

  /// A string as a JSON string literal, escaped as every report escapes it.
  public static func quoted(_ s: String) -> String {
    (try? string(s)) ?? "\"\""
  }
}

/// A number in a report: finite values as JSON numbers (negative zero as 0), the rest null.
public struct ReportNumber: Sendable, Hashable, Encodable {
  public var value: Double
  public init(_ value: Double) { self.value = value }
  public func encode(to encoder: Encoder) throws {
    var c = encoder.singleValueContainer()
    if value.isFinite { try c.encode(value + 0) } else { try c.encodeNil() }
  }
}

/// A vector in feature coordinates, written as an object from feature name to component:
/// `{"child": 0.6, "parent": 0.8}`.
public struct FeatureVector: Sendable, Hashable, Encodable {
  public var features: [String]
  public var values: [Double]

  /// - Parameters: features and values of the same length.
  public init(_ features: [String], _ values: [Double]) {
    self.features = features
    self.values = values
  }

  struct Key: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: Key.self)
    for (name, value) in zip(features, values) {
      try c.encode(ReportNumber(value), forKey: Key(stringValue: name))
    }
  }
}
