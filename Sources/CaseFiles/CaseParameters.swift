import Foundation
import Landscape
import ToyModels

/// The parameters the command line's flags give a case (and the server's query parameters,
/// the same names without the dashes): the hierarchy shorthand or the paper's form, or
/// overrides on a case file. Every one is an entry of `table`, the one place its flag, query
/// name, case-file fields, parsing and formatting are declared.
///
/// Errors name the flag (`--p0: 1.5 is not in [0, 1]`), wherever the values came from.
public struct CaseParameters: Sendable, Equatable {
  /// P(parent fires alone), P(parent and child fire together), P(child fires alone).
  public var p0: Double?
  public var p01: Double?
  public var p1: Double?
  /// The paper's form: P(parent), P(child | parent), P(child | no parent), as exact decimals.
  public var pParent: Decimal?
  public var pChildIfParent: Decimal?
  public var pChildIfNoParent: Decimal?
  /// The hierarchy's magnitudes (default 1 each); not for a case file.
  public var parentMagnitude: Double?
  public var childMagnitude: Double?
  /// The L1 penalty coefficient lambda (p = 1).
  public var l1: Double?
  public var bias: BiasOption?
  /// The t range (default 0...1, or the case file's).
  public var tMin: Double?
  public var tMax: Double?
  /// The curve's number of points (2 ... 100000000; default 201): not a field of the case.
  public var points: Int?

  public init(
    p0: Double? = nil, p01: Double? = nil, p1: Double? = nil, pParent: Decimal? = nil,
    pChildIfParent: Decimal? = nil, pChildIfNoParent: Decimal? = nil,
    parentMagnitude: Double? = nil, childMagnitude: Double? = nil, l1: Double? = nil,
    bias: BiasOption? = nil, tMin: Double? = nil, tMax: Double? = nil, points: Int? = nil
  ) {
    self.p0 = p0
    self.p01 = p01
    self.p1 = p1
    self.pParent = pParent
    self.pChildIfParent = pChildIfParent
    self.pChildIfNoParent = pChildIfNoParent
    self.parentMagnitude = parentMagnitude
    self.childMagnitude = childMagnitude
    self.l1 = l1
    self.bias = bias
    self.tMin = tMin
    self.tMax = tMax
    self.points = points
  }

  /// The parameters given as (name, text) pairs, each parsed by its table entry; nil texts
  /// are skipped. The one way the command line's flags and the server's query become
  /// parameters.
  ///
  /// - Throws: `FieldError` naming the flag of the first bad value, or naming a name that is
  ///   not in `table`.
  public init(texts: [(name: String, text: String?)]) throws {
    self.init()
    for (name, text) in texts {
      guard let text else { continue }
      guard try set(name, to: text) else {
        throw FieldError(
          field: name.isEmpty ? "query" : name, value: "",
          reason: "is not a parameter (" + Self.names.joined(separator: ", ") + ")")
      }
    }
  }

  /// Every parameter, in the order the command line's help and the server's opening query
  /// list them.
  public static let table: [CaseParameter] = [
    .number(
      "p0", \.p0, fields: ["patterns[0].probability"], help: "Hierarchy: P(parent fires alone)."),
    .number(
      "p01", \.p01, fields: ["patterns[1].probability"],
      help: "Hierarchy: P(parent and child fire together)."),
    .number(
      "p1", \.p1, fields: ["patterns[2].probability"],
      help: "Hierarchy: P(child fires alone) (default: no such pattern)."),
    .probability(
      "p-parent", \.pParent,
      help: """
        The paper's form: P(parent fires). With --p-child-if-parent (and optionally \
        --p-child-if-no-parent) instead of --p0/--p01/--p1: p0 = P(parent) (1 - \
        P(child | parent)), p01 = P(parent) P(child | parent), p1 = (1 - P(parent)) \
        P(child | no parent), computed in exact decimal arithmetic and rounded once.
        """),
    .probability(
      "p-child-if-parent", \.pChildIfParent, help: "The paper's form: P(child fires | parent fires)."),
    .probability(
      "p-child-if-no-parent", \.pChildIfNoParent,
      help: "The paper's form: P(child fires | parent does not) (default: no such pattern)."),
    .number(
      "parent-magnitude", \.parentMagnitude,
      fields: ["patterns[0].fires.parent", "patterns[1].fires.parent"],
      help: "Hierarchy: the parent's magnitude (default: 1)."),
    .number(
      "child-magnitude", \.childMagnitude,
      fields: ["patterns[1].fires.child", "patterns[2].fires.child"],
      help: "Hierarchy: the child's magnitude (default: 1)."),
    .number(
      "l1", \.l1, fields: ["penalty.coefficient"], help: "L1 penalty coefficient lambda (p = 1)."),
    CaseParameter(
      name: "bias", fields: ["bias", "bias.parent", "bias.child"],
      help: "Decoder bias: none, optimal (the minimiser of each loss at each latent), centered (mu - (l . mu) l), or a fixed vector.",
      valueName: "none|optimal|centered|FEATURE=B,...",
      parse: { parameters, text in
        guard let bias = BiasOption(argument: text) else {
          throw FieldError(
            flag: "--bias", value: "\"\(text)\"",
            reason: "is not none, optimal, centered or FEATURE=B,...")
        }
        parameters.bias = bias
      },
      format: { $0.bias?.argument }),
    .number(
      "t-min", \.tMin, fields: ["path.t[0]"],
      help: "Start of the t range (default 0, or the case file's)."),
    .number(
      "t-max", \.tMax, fields: ["path.t[1]"],
      help: "End of the t range (default 1, or the case file's)."),
    CaseParameter(
      name: "points", fields: [],
      help: "Number of evenly spaced t values, ends included (at least 2; default: 201).",
      valueName: nil, setsCase: false,
      parse: { parameters, text in
        guard let n = Int(text) else {
          throw FieldError(flag: "--points", value: "\"\(text)\"", reason: "is not a whole number")
        }
        if n < 2 { throw FieldError(flag: "--points", value: "\(n)", reason: "is below 2") }
        if n > maximumPoints {
          throw FieldError(flag: "--points", value: "\(n)", reason: "is above \(maximumPoints)")
        }
        parameters.points = n
      },
      format: { $0.points.map { "\($0)" } }),
  ]

  /// The most points a curve may have.
  public static let maximumPoints = 100_000_000

  /// The names of the parameters that set the case (all but `points`): the flags without
  /// their dashes.
  public static let names = table.filter(\.setsCase).map(\.name)

  /// The entry named `name`, or nil.
  public static func parameter(_ name: String) -> CaseParameter? {
    table.first { $0.name == name }
  }

  /// Sets the parameter `name` (a `table` entry) from its text, as the flag would parse it.
  ///
  /// - Throws: `FieldError` naming the flag (`--p0: "abc" is not a number`); a name that is
  ///   not in `table` is returned false.
  public mutating func set(_ name: String, to text: String) throws -> Bool {
    guard let parameter = Self.parameter(name) else { return false }
    try parameter.parse(text, into: &self)
    return true
  }

  /// The given parameters as (name, text) pairs, in `table` order: the query that gives
  /// them back (each text parses to the same value).
  public var texts: [(name: String, text: String)] {
    Self.table.compactMap { p in p.format(self).map { (p.name, $0) } }
  }

  /// True when the paper's form is given.
  public var usesPaperForm: Bool { pParent != nil || pChildIfParent != nil || pChildIfNoParent != nil }

  /// p0, p01 and p1 from the paper's conditional probabilities: exact decimal products,
  /// each rounded once to the nearest Double.
  ///
  /// p0 = P(parent) (1 - P(child | parent)), p01 = P(parent) P(child | parent),
  /// p1 = (1 - P(parent)) P(child | no parent).
  /// - Throws: `FieldError` naming `--p-parent` or `--p-child-if-parent` when missing.
  public func paperProbabilities() throws -> (p0: Double, p01: Double, p1: Double?) {
    guard let pParent else { throw FieldError(flag: "--p-parent", value: "", reason: "is missing") }
    guard let pChildIfParent else {
      throw FieldError(flag: "--p-child-if-parent", value: "", reason: "is missing")
    }
    func rounded(_ x: Decimal) -> Double { Double("\(x)")! }
    return (
      rounded(pParent * (1 - pChildIfParent)), rounded(pParent * pChildIfParent),
      pChildIfNoParent.map { rounded((1 - pParent) * $0) }
    )
  }

  /// True when any of the hierarchy's probabilities is given.
  public var hasProbabilities: Bool { p0 != nil || p01 != nil || p1 != nil }

  /// The hierarchy shorthand's case, validated (errors name the flags).
  public func hierarchy(p0: Double, p01: Double, p1: Double?) throws -> LatentCase {
    // Every field of the shorthand's case comes from a flag.
    try FlagTable.naming(given: { _ in true }) {
      try LatentCase.hierarchy(
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

  /// The hierarchy's case from `p0`, `p01` and `p1`, or from the paper's form.
  /// - Throws: `FieldError` naming `--p0` or `--p01` when missing, or naming the paper's
  ///   form when it is given with them.
  public func hierarchy() throws -> LatentCase {
    if usesPaperForm {
      for (flag, given) in [("--p0", p0 != nil), ("--p01", p01 != nil), ("--p1", p1 != nil)]
      where given {
        throw FieldError(
          flag: flag, value: "",
          reason: "is not given with the paper's form (--p-parent, --p-child-if-parent, ...)")
      }
      let p = try paperProbabilities()
      return try hierarchy(p0: p.p0, p01: p.p01, p1: p.p1)
    }
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
  public func applied(to loaded: LatentCase, checked: Bool = true) throws -> LatentCase {
    for (flag, given, what) in [
      ("--parent-magnitude", parentMagnitude != nil, "magnitudes"),
      ("--child-magnitude", childMagnitude != nil, "magnitudes"),
      ("--p-parent", pParent != nil, "probabilities"),
      ("--p-child-if-parent", pChildIfParent != nil, "probabilities"),
      ("--p-child-if-no-parent", pChildIfNoParent != nil, "probabilities"),
    ] where given {
      throw FieldError(
        flag: flag, value: "",
        reason: "applies to the hierarchy shorthand, not to a case file "
          + "(its patterns give the \(what))")
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

  /// The text that parses back to this option: the word, or `FEATURE=B,...`.
  public var argument: String {
    switch self {
    case .named(let bias): bias.kind.rawValue
    case .fixed(let components): components.map { "\($0.feature)=\($0.value)" }.joined(separator: ",")
    }
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

/// One case parameter, declared once: its flag and query name, the case-file fields it sets,
/// how its text parses into `CaseParameters` and how it is written back (so that
/// `format` then `parse` gives the same value).
public struct CaseParameter: Sendable {
  /// The query parameter's name, and the flag without its dashes (`p0`, `t-min`).
  public let name: String
  /// The case-file fields it sets, as the libraries name them in errors (none for the
  /// paper's form, which sets p0, p01 and p1, and for `points`).
  public let fields: [FieldPath]
  /// The flag's help.
  public let help: String
  /// The flag's value name in the help, when not the flag's name.
  public let valueName: String?
  /// Whether it sets the case (`points` sets the curve drawn from it).
  public let setsCase: Bool
  let parseText: @Sendable (inout CaseParameters, String) throws -> Void
  let formatValue: @Sendable (CaseParameters) -> String?

  init(
    name: String, fields: [FieldPath], help: String, valueName: String?, setsCase: Bool = true,
    parse: @escaping @Sendable (inout CaseParameters, String) throws -> Void,
    format: @escaping @Sendable (CaseParameters) -> String?
  ) {
    self.name = name
    self.fields = fields
    self.help = help
    self.valueName = valueName
    self.setsCase = setsCase
    self.parseText = parse
    self.formatValue = format
  }

  /// The flag: `--` and the name.
  public var flag: String { "--\(name)" }

  /// Sets this parameter of `parameters` from `text`.
  /// - Throws: `FieldError` naming the flag when the text is not a value of it.
  public func parse(_ text: String, into parameters: inout CaseParameters) throws {
    try parseText(&parameters, text)
  }

  /// This parameter's value in `parameters` as text that parses back to it; nil when not given.
  public func format(_ parameters: CaseParameters) -> String? { formatValue(parameters) }

  /// A finite number (`--p0: "abc" is not a number`).
  static func number(
    _ name: String, _ key: WritableKeyPath<CaseParameters, Double?> & Sendable,
    fields: [FieldPath], help: String
  ) -> CaseParameter {
    CaseParameter(
      name: name, fields: fields, help: help, valueName: nil,
      parse: { parameters, text in
        guard let x = Double(text), x.isFinite else {
          throw FieldError(flag: "--\(name)", value: "\"\(text)\"", reason: "is not a number")
        }
        parameters[keyPath: key] = x
      },
      format: { $0[keyPath: key].map { "\($0)" } })
  }

  /// A probability of the paper's form, kept as the exact decimal written
  /// (`--p-parent: "2" is not a probability in [0, 1]`).
  static func probability(
    _ name: String, _ key: WritableKeyPath<CaseParameters, Decimal?> & Sendable, help: String
  ) -> CaseParameter {
    CaseParameter(
      name: name, fields: [], help: help, valueName: nil,
      parse: { parameters, text in
        guard text.allSatisfy({ "0123456789.eE+-".contains($0) }),
          let x = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")), x >= 0, x <= 1
        else {
          throw FieldError(
            flag: "--\(name)", value: "\"\(text)\"", reason: "is not a probability in [0, 1]")
        }
        parameters[keyPath: key] = x
      },
      format: { $0[keyPath: key].map { "\($0)" } })
  }
}
