import Foundation
import Landscape
import ToyModels

/// A JSON object with field-naming accessors.
struct JSONObject {
  let values: [String: Any]
  let field: String

  init(_ any: Any, field: String) throws {
    guard let dict = any as? [String: Any] else {
      throw FieldError(field: field, value: JSONObject.render(any), reason: "is not a JSON object")
    }
    self.values = dict
    self.field = field
  }

  private func path(_ key: String) -> String {
    let key = key.isEmpty ? "\"\"" : escapedForMessage(key)
    return field == "case" ? key : "\(field).\(key)"
  }

  func has(_ key: String) -> Bool { values[key] != nil }

  func allow(_ keys: Set<String>) throws {
    for key in values.keys.sorted() where !keys.contains(key) {
      throw FieldError(
        field: path(key), value: "",
        reason: "is not a known field (known: \(keys.sorted().joined(separator: ", ")))")
    }
  }

  func string(_ key: String) throws -> String? {
    guard let v = values[key], !(v is NSNull) else { return nil }
    guard let s = v as? String else {
      throw FieldError(field: path(key), value: JSONObject.render(v), reason: "is not a string")
    }
    return s
  }

  func array(_ key: String) throws -> [Any]? {
    guard let v = values[key], !(v is NSNull) else { return nil }
    guard let a = v as? [Any] else {
      throw FieldError(field: path(key), value: JSONObject.render(v), reason: "is not an array")
    }
    return a
  }

  func object(_ key: String) throws -> JSONObject? {
    guard let v = values[key], !(v is NSNull) else { return nil }
    return try JSONObject(v, field: path(key))
  }

  func number(_ key: String) throws -> Double? {
    guard let v = values[key], !(v is NSNull) else { return nil }
    guard let x = JSONObject.numberValue(v) else {
      throw FieldError(field: path(key), value: JSONObject.render(v), reason: "is not a number")
    }
    return x
  }

  func number(_ key: String, in range: ClosedRange<Double>, open: Bool = false) throws -> Double? {
    guard let x = try number(key) else { return nil }
    if !x.isFinite || !range.contains(x) || (open && x == range.lowerBound) {
      let lower = open ? "(\(range.lowerBound)" : "[\(range.lowerBound)"
      throw FieldError(
        field: path(key), value: "\(x)", reason: "is not in \(lower), \(range.upperBound)]")
    }
    return x
  }

  func integer(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
    guard let x = try number(key) else { return nil }
    // Int(exactly:), not a comparison with Double(range.upperBound): Double(Int.max)
    // rounds up to 2^63, which passes the comparison and traps in Int(_:). A JSON
    // integer is read as one, so that 9223372036854775807 is not taken for 2^63.
    let whole = (values[key] as? NSNumber).flatMap { n in
      ["q", "l", "i", "s"].contains(String(cString: n.objCType)) ? Int(exactly: n.int64Value) : nil
    }
    guard let n = whole ?? Int(exactly: x), range.contains(n) else {
      throw FieldError(
        field: path(key), value: JSONObject.render(values[key]!),
        reason: "is not a whole number in \(range.lowerBound)...\(range.upperBound)")
    }
    return n
  }

  /// A whole number whose range the setting's owner checks (only |n| <= 2^53 is read).
  func wholeNumber(_ key: String) throws -> Int? {
    try integer(key, in: -(1 << 53)...(1 << 53))
  }

  /// A finite number whose range the setting's owner checks.
  func finiteNumber(_ key: String) throws -> Double? {
    try number(key, in: -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude)
  }

  /// A seed: a whole number in 0...4294967295 (what GSL's generator takes).
  func seed(_ key: String) throws -> UInt64? {
    try integer(key, in: 0...Int(UInt32.max)).map { UInt64($0) }
  }

  /// A map from feature name to number, as a dense vector in feature order.
  func vector(over features: [String], index: [String: Int]) throws -> [Double] {
    var vector = [Double](repeating: 0, count: features.count)
    for key in values.keys.sorted() {
      guard let i = index[key] else {
        throw FieldError(
          field: path(key), value: "",
          reason: "is not a feature (features: \(listForMessage(features)))")
      }
      guard let x = JSONObject.numberValue(values[key]!) else {
        throw FieldError(
          field: path(key), value: JSONObject.render(values[key]!), reason: "is not a number")
      }
      vector[i] = x
    }
    return vector
  }

  /// A JSON number as a Double; nil for booleans, strings and the rest.
  static func numberValue(_ v: Any) -> Double? {
    guard let n = v as? NSNumber else { return nil }
    // Foundation boxes JSON booleans as NSNumber of C type char ("c").
    if String(cString: n.objCType) == "c" { return nil }
    return n.doubleValue
  }

  /// A JSON value as it reads in a one-line message: escaped, at most 60 characters.
  static func render(_ v: Any) -> String {
    let text: String
    if let s = v as? String {
      text = "\"\(s)\""
    } else if v is NSNull {
      text = "null"
    } else if let data = try? JSONSerialization.data(
      withJSONObject: v, options: [.fragmentsAllowed, .sortedKeys]),
      let s = String(data: data, encoding: .utf8)
    {
      text = s
    } else {
      text = "\(v)"
    }
    let line = escapedForMessage(text)
    return line.count > 60 ? String(line.prefix(57)) + "..." : line
  }
}

extension JSONObject {
  /// The path of `key` in this object, for messages.
  func fieldPath(_ key: String) -> String {
    field == "case" ? key : "\(field).\(key)"
  }

  func bool(_ key: String) throws -> Bool? {
    guard let v = values[key], !(v is NSNull) else { return nil }
    guard let n = v as? NSNumber, String(cString: n.objCType) == "c" else {
      throw FieldError(
        field: fieldPath(key), value: JSONObject.render(v), reason: "is not true or false")
    }
    return n.boolValue
  }

  /// A list of objects, each named `key[i]`.
  func objects(_ key: String) throws -> [JSONObject]? {
    try array(key)?.enumerated().map { i, item in
      try JSONObject(item, field: "\(fieldPath(key))[\(i)]")
    }
  }

  /// A list of numbers, each in `range`.
  func numbers(_ key: String, in range: ClosedRange<Double>) throws -> [Double]? {
    try array(key)?.enumerated().map { i, item in
      guard let x = JSONObject.numberValue(item), x.isFinite, range.contains(x) else {
        throw FieldError(
          field: "\(fieldPath(key))[\(i)]", value: JSONObject.render(item),
          reason: "is not a number in [\(range.lowerBound), \(range.upperBound)]")
      }
      return x
    }
  }

  /// One number for all `count` entries, or a list of numbers; each in `range`.
  func numberOrList(_ key: String, count: Int, in range: ClosedRange<Double>) throws -> [Double] {
    if values[key] is [Any] { return try numbers(key, in: range) ?? [] }
    guard let x = try number(key, in: range) else { return [] }
    return [Double](repeating: x, count: count)
  }

  /// A list of whole numbers, each in `range`.
  func integers(_ key: String, in range: ClosedRange<Int>) throws -> [Int]? {
    try array(key)?.enumerated().map { i, item in
      guard let x = JSONObject.numberValue(item), let n = Int(exactly: x), range.contains(n) else {
        throw FieldError(
          field: "\(fieldPath(key))[\(i)]", value: JSONObject.render(item),
          reason: "is not a whole number in \(range.lowerBound)...\(range.upperBound)")
      }
      return n
    }
  }

  /// A feature name, as its index.
  func feature(_ key: String, _ index: [String: Int], features: [String]) throws -> Int? {
    guard let name = try string(key) else { return nil }
    guard let i = index[name] else {
      throw FieldError(
        field: fieldPath(key), value: JSONObject.render(name),
        reason: "is not a feature (features: \(listForMessage(features)))")
    }
    return i
  }
}

/// A JSON value decoded by `JSONDecoder`, which reads every number exactly (nearest Double).
///
/// Foundation's JSONSerialization on Linux reads about half of 17-digit numbers one ulp off;
/// a case file's numbers are read through this instead and handed on as Foundation values.
/// Encoded, it is the same JSON again (an override's value in a report, a study's case).
public enum ExactJSON: Codable, Sendable, Hashable {
  case null
  case bool(Bool)
  case integer(Int64)
  case number(Double)
  case string(String)
  case array([ExactJSON])
  case object([String: ExactJSON])

  public init(from decoder: Decoder) throws {
    let c = try decoder.singleValueContainer()
    if c.decodeNil() {
      self = .null
    } else if let b = try? c.decode(Bool.self) {
      self = .bool(b)
    } else if let n = try? c.decode(Int64.self) {
      self = .integer(n)
    } else if let x = try? c.decode(Double.self) {
      self = .number(x)
    } else if let s = try? c.decode(String.self) {
      self = .string(s)
    } else if let a = try? c.decode([ExactJSON].self) {
      self = .array(a)
    } else {
      self = .object(try c.decode([String: ExactJSON].self))
    }
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.singleValueContainer()
    switch self {
    case .null: try c.encodeNil()
    case .bool(let b): try c.encode(b)
    case .integer(let n): try c.encode(n)
    case .number(let x): try c.encode(x)
    case .string(let s): try c.encode(s)
    case .array(let a): try c.encode(a)
    case .object(let o): try c.encode(o)
    }
  }

  /// True when some run of digits (a decimal point inside it skipped) is longer than 15.
  static func hasLongNumber(_ data: Data) -> Bool {
    var run = 0
    for byte in data {
      if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
        run += 1
        if run > 15 { return true }
      } else if byte != UInt8(ascii: ".") {
        run = 0
      }
    }
    return false
  }

  /// The value as JSONSerialization would give it: NSNumber, String, NSNull, [Any], [String: Any].
  public var foundationValue: Any {
    switch self {
    case .null: return NSNull()
    case .bool(let b): return NSNumber(value: b)
    case .integer(let n): return NSNumber(value: n)
    case .number(let x): return NSNumber(value: x)
    case .string(let s): return s
    case .array(let a): return a.map(\.foundationValue)
    case .object(let o): return o.mapValues(\.foundationValue)
    }
  }
}
