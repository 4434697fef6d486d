import ArgumentParser
import Foundation
import Landscape

/// A case, from a file or from the hierarchy shorthand.
struct CaseOptions: ParsableArguments {
  @Argument(help: "A case file (JSON). Omit it to use the hierarchy shorthand (--p0, --p01, ...).")
  var caseFile: String?

  @Option(parsing: .unconditional, help: "Hierarchy: P(parent fires alone).")
  var p0: Double?

  @Option(parsing: .unconditional, help: "Hierarchy: P(parent and child fire together).")
  var p01: Double?

  @Option(
    parsing: .unconditional, help: "Hierarchy: P(child fires alone) (default: no such pattern).")
  var p1: Double?

  @OptionGroup var model: ModelOptions

  func validate() throws {
    if caseFile == nil {
      guard p0 != nil, p01 != nil else {
        throw ValidationError("Give a case file, or the hierarchy shorthand --p0 P --p01 P.")
      }
    } else if p0 != nil || p01 != nil || p1 != nil {
      throw ValidationError("Give a case file or --p0/--p01/--p1, not both.")
    }
  }

  /// The case these options describe, validated; file settings overridden by flags.
  func resolve() throws -> Case {
    if let caseFile { return try model.applied(to: Case.load(contentsOf: caseFile)) }
    return try model.hierarchy(p0: p0!, p01: p01!, p1: p1)
  }
}

/// The settings of the model shared by every way of giving a case: the hierarchy's
/// magnitudes, and the penalty, bias and t range (which override a case file's).
struct ModelOptions: ParsableArguments {
  @Option(parsing: .unconditional, help: "Hierarchy: the parent's magnitude.")
  var parentMagnitude: Double = 1

  @Option(parsing: .unconditional, help: "Hierarchy: the child's magnitude.")
  var childMagnitude: Double = 1

  @Option(parsing: .unconditional, help: "L1 penalty coefficient lambda (p = 1).")
  var l1: Double?

  @Option(
    help: ArgumentHelp(
      "Decoder bias: none, optimal (the minimiser of each loss at each latent), centered (mu - (l . mu) l), or a fixed vector.",
      valueName: "none|optimal|centered|FEATURE=B,..."))
  var bias: BiasOption?

  @Option(parsing: .unconditional, help: "Start of the t range (default 0, or the case file's).")
  var tMin: Double?

  @Option(parsing: .unconditional, help: "End of the t range (default 1, or the case file's).")
  var tMax: Double?


  /// The hierarchy shorthand's case, validated (errors name the flags).
  func hierarchy(p0: Double, p01: Double, p1: Double?) throws -> Case {
    try Case.hierarchy(
      p0: p0, p01: p01, p1: p1, parentMagnitude: parentMagnitude, childMagnitude: childMagnitude,
      l1: l1 ?? 0, bias: try bias?.resolve(features: ["parent", "child"]) ?? .none,
      tMin: tMin ?? 0, tMax: tMax ?? 1)
  }

  /// A case file's case with the flags' overrides applied, validated.
  ///
  /// - Parameter checked: false to skip validation (a sweep validates per point).
  func applied(to loaded: Case, checked: Bool = true) throws -> Case {
    var c = loaded
    if let bias { c.bias = try bias.resolve(features: c.features) }
    if let l1 { c.penalty = Penalty(coefficient: l1, exponent: 1) }
    if let tMin { c.path.tMin = tMin }
    if let tMax { c.path.tMax = tMax }
    guard checked else { return c }
    do {
      try c.validate()
    } catch let e as CaseError {
      var field = e.field
      if field == "path.t" && (tMin != nil || tMax != nil) { field = "--t-min/--t-max" }
      if field == "penalty.coefficient" && l1 != nil { field = "--l1" }
      throw CaseError(field: field, value: e.value, reason: e.reason)
    }
    return c
  }
}

/// The `--bias` option: a bias named by a word, or a fixed vector `FEATURE=B,...`.
enum BiasOption: ExpressibleByArgument, Equatable {
  case named(DecoderBias)
  case fixed([(feature: String, value: Double)])

  init?(argument: String) {
    if let named = DecoderBias(name: argument) {
      self = .named(named)
      return
    }
    var components: [(feature: String, value: Double)] = []
    for part in argument.split(separator: ",", omittingEmptySubsequences: false) {
      let pair = part.split(separator: "=", maxSplits: 1)
      guard pair.count == 2, !pair[0].isEmpty, let value = Double(pair[1]), value.isFinite
      else { return nil }
      components.append((String(pair[0]), value))
    }
    guard !components.isEmpty else { return nil }
    self = .fixed(components)
  }

  static var allValueStrings: [String] {
    DecoderBias.namedKinds.map(\.rawValue) + ["parent=0.1,child=0.2"]
  }

  static func == (a: BiasOption, b: BiasOption) -> Bool {
    switch (a, b) {
    case (.named(let x), .named(let y)): x == y
    case (.fixed(let x), .fixed(let y)):
      x.count == y.count && zip(x, y).allSatisfy { $0.feature == $1.feature && $0.value == $1.value }
    default: false
    }
  }

  /// The bias for a case with these features; unnamed features get 0.
  /// - Throws: `CaseError` naming `--bias` when a feature is unknown or given twice.
  func resolve(features: [String]) throws -> DecoderBias {
    switch self {
    case .named(let bias): return bias
    case .fixed(let components):
      var vector = [Double](repeating: 0, count: features.count)
      var seen = Set<String>()
      for (feature, value) in components {
        guard let i = features.firstIndex(of: feature) else {
          throw CaseError(
            field: "--bias", value: feature,
            reason: "is not a feature (features: \(features.joined(separator: ", ")))")
        }
        guard seen.insert(feature).inserted else {
          throw CaseError(field: "--bias", value: feature, reason: "is given twice")
        }
        vector[i] = value
      }
      return .fixed(vector)
    }
  }
}
