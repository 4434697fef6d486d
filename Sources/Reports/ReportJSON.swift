import Foundation

/// The one JSON encoding of every report the tool prints (and a server would return).
///
/// Keys sorted (so the same report gives the same bytes in every run), slashes not escaped,
/// numbers as the shortest decimal that reads back to the same Double; a non-finite number
/// is written as null (`ReportNumber`).
public enum ReportJSON {
  /// The report as one line of JSON text (no trailing newline).
  public static func string<T: Encodable>(_ report: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(report), as: UTF8.self)
  }

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
