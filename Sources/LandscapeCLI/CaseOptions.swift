import ArgumentParser
import CaseFiles
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

  @Option(
    parsing: .unconditional,
    help: """
      The paper's form: P(parent fires). With --p-child-if-parent (and optionally \
      --p-child-if-no-parent) instead of --p0/--p01/--p1: p0 = P(parent) (1 - \
      P(child | parent)), p01 = P(parent) P(child | parent), p1 = (1 - P(parent)) \
      P(child | no parent), computed in exact decimal arithmetic and rounded once.
      """)
  var pParent: String?

  @Option(parsing: .unconditional, help: "The paper's form: P(child fires | parent fires).")
  var pChildIfParent: String?

  @Option(
    parsing: .unconditional,
    help: "The paper's form: P(child fires | parent does not) (default: no such pattern).")
  var pChildIfNoParent: String?

  @OptionGroup var model: ModelOptions

  var usesPaperForm: Bool { pParent != nil || pChildIfParent != nil || pChildIfNoParent != nil }

  func validate() throws {
    let shorthand = p0 != nil || p01 != nil || p1 != nil
    if caseFile != nil && (shorthand || usesPaperForm) {
      throw ValidationError("Give a case file or --p0/--p01/--p1, not both.")
    }
    if shorthand && usesPaperForm {
      throw ValidationError(
        "Give --p0/--p01/--p1 or --p-parent/--p-child-if-parent/--p-child-if-no-parent, not both.")
    }
    if usesPaperForm {
      guard pParent != nil, pChildIfParent != nil else {
        throw ValidationError("The paper's form needs --p-parent P --p-child-if-parent P.")
      }
      _ = try paperProbabilities()
    } else if caseFile == nil {
      guard p0 != nil, p01 != nil else {
        throw ValidationError("Give a case file, or the hierarchy shorthand --p0 P --p01 P.")
      }
    }
  }

  /// p0, p01 and p1 from the paper's conditional probabilities: exact decimal products,
  /// each rounded once to the nearest Double.
  func paperProbabilities() throws -> (p0: Double, p01: Double, p1: Double?) {
    func decimal(_ flag: String, _ text: String?) throws -> Decimal? {
      guard let text else { return nil }
      guard let x = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")),
        text.allSatisfy({ "0123456789.eE+-".contains($0) }), x >= 0, x <= 1
      else { throw ValidationError("\(flag): \"\(text)\" is not a probability in [0, 1]") }
      return x
    }
    let parent = try decimal("--p-parent", pParent)!
    let childIfParent = try decimal("--p-child-if-parent", pChildIfParent)!
    let childIfNoParent = try decimal("--p-child-if-no-parent", pChildIfNoParent)
    func rounded(_ x: Decimal) -> Double { Double("\(x)")! }
    return (
      rounded(parent * (1 - childIfParent)), rounded(parent * childIfParent),
      childIfNoParent.map { rounded((1 - parent) * $0) }
    )
  }

  /// The case these options describe, validated; file settings overridden by flags.
  func resolve() throws -> Case {
    if let caseFile { return try model.applied(to: Case.load(contentsOf: caseFile)) }
    if usesPaperForm {
      let p = try paperProbabilities()
      return try model.hierarchy(p0: p.p0, p01: p.p01, p1: p.p1)
    }
    return try model.hierarchy(p0: p0!, p01: p01!, p1: p1)
  }
}

/// The settings of the model shared by every way of giving a case: the hierarchy's
/// magnitudes, and the penalty, bias and t range (which override a case file's).
struct ModelOptions: ParsableArguments {
  @Option(parsing: .unconditional, help: "Hierarchy: the parent's magnitude (default: 1).")
  var parentMagnitude: Double?

  @Option(parsing: .unconditional, help: "Hierarchy: the child's magnitude (default: 1).")
  var childMagnitude: Double?

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
    try FlagTable.naming(given: { _ in true }) {
      try Case.hierarchy(
      p0: p0, p01: p01, p1: p1, parentMagnitude: parentMagnitude ?? 1,
      childMagnitude: childMagnitude ?? 1,
      l1: l1 ?? 0, bias: try bias?.resolve(features: ["parent", "child"]) ?? .none,
      tMin: tMin ?? 0, tMax: tMax ?? 1)
    }
  }

  /// Whether the flag was given (the model options' own flags).
  func gave(_ flag: String) -> Bool {
    switch flag {
    case "--t-min/--t-max": return tMin != nil || tMax != nil
    case "--l1": return l1 != nil
    case "--bias": return bias != nil
    default: return false
    }
  }

  /// A case file's case with the flags' overrides applied, validated.
  ///
  /// - Parameter checked: false to skip validation (a sweep validates per point).
  func applied(to loaded: Case, checked: Bool = true) throws -> Case {
    for (flag, given) in [
      ("--parent-magnitude", parentMagnitude != nil), ("--child-magnitude", childMagnitude != nil),
    ] where given {
      throw CaseError(
        field: flag, value: "",
        reason: "applies to the hierarchy shorthand, not to a case file (its patterns give the magnitudes)")
    }
    var c = loaded
    if let bias { c.bias = try bias.resolve(features: c.features) }
    if let l1 { c.penalty = Penalty(coefficient: l1, exponent: 1) }
    if let tMin { c.path.tMin = tMin }
    if let tMax { c.path.tMax = tMax }
    guard checked else { return c }
    try FlagTable.naming(given: gave) { try c.validate() }
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
