import Foundation
import Landscape
import ToyModels

/// The parameters the command line's flags give a case (and the server's query parameters,
/// the same names without the dashes): the hierarchy shorthand, or overrides on a case file.
///
/// Errors name the flag (`--p0: 1.5 is not in [0, 1]`), wherever the values came from.
public struct CaseParameters: Sendable, Equatable {
  /// P(parent fires alone), P(parent and child fire together), P(child fires alone).
  public var p0: Double?
  public var p01: Double?
  public var p1: Double?
  /// The hierarchy's magnitudes (default 1 each); not for a case file.
  public var parentMagnitude: Double?
  public var childMagnitude: Double?
  /// The L1 penalty coefficient lambda (p = 1).
  public var l1: Double?
  public var bias: BiasOption?
  /// The t range (default 0...1, or the case file's).
  public var tMin: Double?
  public var tMax: Double?

  public init(
    p0: Double? = nil, p01: Double? = nil, p1: Double? = nil, parentMagnitude: Double? = nil,
    childMagnitude: Double? = nil, l1: Double? = nil, bias: BiasOption? = nil,
    tMin: Double? = nil, tMax: Double? = nil
  ) {
    self.p0 = p0
    self.p01 = p01
    self.p1 = p1
    self.parentMagnitude = parentMagnitude
    self.childMagnitude = childMagnitude
    self.l1 = l1
    self.bias = bias
    self.tMin = tMin
    self.tMax = tMax
  }

  /// The parameters' names: the flags without their dashes.
  public static let names = [
    "p0", "p01", "p1", "parent-magnitude", "child-magnitude", "l1", "bias", "t-min", "t-max",
  ]

  /// Sets the parameter `name` (one of `names`) from its text, as the flag would parse it.
  ///
  /// - Throws: `FieldError` naming the flag (`--p0: "abc" is not a number`); a name that is
  ///   not one of `names` is returned false.
  public mutating func set(_ name: String, to text: String) throws -> Bool {
    func number() throws -> Double {
      guard let x = Double(text), x.isFinite else {
        throw FieldError(flag: "--\(name)", value: "\"\(text)\"", reason: "is not a number")
      }
      return x
    }
    switch name {
    case "p0": p0 = try number()
    case "p01": p01 = try number()
    case "p1": p1 = try number()
    case "parent-magnitude": parentMagnitude = try number()
    case "child-magnitude": childMagnitude = try number()
    case "l1": l1 = try number()
    case "t-min": tMin = try number()
    case "t-max": tMax = try number()
    case "bias":
      guard let b = BiasOption(argument: text) else {
        throw FieldError(
          flag: "--bias", value: "\"\(text)\"",
          reason: "is not none, optimal, centered or FEATURE=B,...")
      }
      bias = b
    default: return false
    }
    return true
  }

  /// True when any of the hierarchy's probabilities is given.
  public var hasProbabilities: Bool { p0 != nil || p01 != nil || p1 != nil }

  /// The hierarchy shorthand's case, validated (errors name the flags).
  public func hierarchy(p0: Double, p01: Double, p1: Double?) throws -> Case {
    // Every field of the shorthand's case comes from a flag.
    try FlagTable.naming(given: { _ in true }) {
      try Case.hierarchy(
        p0: p0, p01: p01, p1: p1, parentMagnitude: parentMagnitude ?? 1,
        childMagnitude: childMagnitude ?? 1,
        l1: l1 ?? 0, bias: try bias?.resolve(features: ["parent", "child"]) ?? .none,
        tMin: tMin ?? 0, tMax: tMax ?? 1)
    }
  }

  /// Whether the flag (a `FlagTable` value) was given, for the overrides on a case file. The
  /// single probabilities are not: on a case file they set the pattern of that name, which
  /// need not be the table's index.
  func gave(_ flag: String) -> Bool {
    switch flag {
    case "--t-min/--t-max": return tMin != nil || tMax != nil
    case "--l1": return l1 != nil
    case "--bias": return bias != nil
    case "--p0 + --p01 + --p1": return hasProbabilities
    default: return false
    }
  }

  /// The hierarchy shorthand's case from `p0`, `p01` and `p1`.
  /// - Throws: `FieldError` naming `--p0` or `--p01` when missing.
  public func hierarchy() throws -> Case {
    guard let p0 else { throw FieldError(flag: "--p0", value: "", reason: "is missing") }
    guard let p01 else { throw FieldError(flag: "--p01", value: "", reason: "is missing") }
    return try hierarchy(p0: p0, p01: p01, p1: p1)
  }

  /// The error named by the flag that set its field, when one did (`penalty.coefficient` ->
  /// `--l1`): for errors found after the case was made, such as the symbolic derivation's
  /// scope.
  ///
  /// - Parameter fromCaseFile: whether the case came from a case file (else the shorthand,
  ///   where the flags set every field).
  public func named(_ error: FieldError, fromCaseFile: Bool) -> FieldError {
    FlagTable.renamed(error) { flag in !fromCaseFile || gave(flag) }
  }

  /// A case file's case with these overrides applied, validated: the penalty, bias and t
  /// range, and the probability of the patterns named p0, p01, p1.
  ///
  /// - Parameter checked: false to skip validation (a sweep validates per point).
  public func applied(to loaded: Case, checked: Bool = true) throws -> Case {
    for (flag, given) in [
      ("--parent-magnitude", parentMagnitude != nil), ("--child-magnitude", childMagnitude != nil),
    ] where given {
      throw FieldError(
        flag: flag, value: "",
        reason: "applies to the hierarchy shorthand, not to a case file "
          + "(its patterns give the magnitudes)")
    }
    var c = loaded
    var fields: [String: String] = [:]
    for (name, value) in [("p0", p0), ("p01", p01), ("p1", p1)] {
      guard let value else { continue }
      guard let i = c.patterns.firstIndex(where: { $0.name == name }) else {
        throw FieldError(
          flag: "--\(name)", value: "",
          reason: "is not a pattern of \(c.name) (patterns: "
            + c.patterns.map(\.name).joined(separator: ", ") + ")")
      }
      c.patterns[i].probability = value
      fields["patterns[\(i)].probability"] = "--\(name)"
    }
    if let bias { c.bias = try bias.resolve(features: c.features) }
    if let l1 { c.penalty = Penalty(coefficient: l1, exponent: 1) }
    if let tMin { c.path.tMin = tMin }
    if let tMax { c.path.tMax = tMax }
    guard checked else { return c }
    do {
      try c.validate()
    } catch let e as FieldError {
      if let flag = fields[e.field] {
        throw FieldError(flag: flag, value: e.value, reason: e.reason)
      }
      throw FlagTable.renamed(e, given: gave)
    }
    return c
  }
}

/// The `--bias` option: a bias named by a word, or a fixed vector `FEATURE=B,...`.
public enum BiasOption: Sendable, Equatable {
  case named(DecoderBias)
  case fixed([FixedComponent])

  /// One feature's fixed bias.
  public struct FixedComponent: Sendable, Equatable {
    public var feature: String
    public var value: Double
  }

  /// Parses `none`, `optimal`, `centered` or `FEATURE=B,...`; nil for anything else.
  public init?(argument: String) {
    if let named = DecoderBias(name: argument) {
      self = .named(named)
      return
    }
    var components: [FixedComponent] = []
    for part in argument.split(separator: ",", omittingEmptySubsequences: false) {
      let pair = part.split(separator: "=", maxSplits: 1)
      guard pair.count == 2, !pair[0].isEmpty, let value = Double(pair[1]), value.isFinite
      else { return nil }
      components.append(FixedComponent(feature: String(pair[0]), value: value))
    }
    guard !components.isEmpty else { return nil }
    self = .fixed(components)
  }

  /// The bias for a case with these features; unnamed features get 0.
  /// - Throws: `FieldError` naming `--bias` when a feature is unknown or given twice.
  public func resolve(features: [String]) throws -> DecoderBias {
    switch self {
    case .named(let bias): return bias
    case .fixed(let components):
      var vector = [Double](repeating: 0, count: features.count)
      var seen = Set<String>()
      for c in components {
        guard let i = features.firstIndex(of: c.feature) else {
          throw FieldError(
            flag: "--bias", value: c.feature,
            reason: "is not a feature (features: \(features.joined(separator: ", ")))")
        }
        guard seen.insert(c.feature).inserted else {
          throw FieldError(flag: "--bias", value: c.feature, reason: "is given twice")
        }
        vector[i] = c.value
      }
      return .fixed(vector)
    }
  }
}
