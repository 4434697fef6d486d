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

  /// The flags as the library's parameters.
  var parameters: CaseParameters {
    CaseParameters(
      parentMagnitude: parentMagnitude, childMagnitude: childMagnitude, l1: l1, bias: bias,
      tMin: tMin, tMax: tMax)
  }

  /// The hierarchy shorthand's case, validated (errors name the flags).
  func hierarchy(p0: Double, p01: Double, p1: Double?) throws -> Case {
    try parameters.hierarchy(p0: p0, p01: p01, p1: p1)
  }

  /// A case file's case with the flags' overrides applied, validated.
  ///
  /// - Parameter checked: false to skip validation (a sweep validates per point).
  func applied(to loaded: Case, checked: Bool = true) throws -> Case {
    try parameters.applied(to: loaded, checked: checked)
  }
}

extension BiasOption: ExpressibleByArgument {
  public static var allValueStrings: [String] {
    DecoderBias.namedKinds.map(\.rawValue) + ["parent=0.1,child=0.2"]
  }
}
