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

  @Option(help: "Decoder bias: none or optimal.")
  var bias: String?

  @Option(parsing: .unconditional, help: "Start of the t range (default 0, or the case file's).")
  var tMin: Double?

  @Option(parsing: .unconditional, help: "End of the t range (default 1, or the case file's).")
  var tMax: Double?

  func validate() throws {
    if let bias, DecoderBias(rawValue: bias) == nil {
      throw ValidationError("--bias: \"\(bias)\" is not one of none, optimal.")
    }
  }

  /// The hierarchy shorthand's case, validated (errors name the flags).
  func hierarchy(p0: Double, p01: Double, p1: Double?) throws -> Case {
    try Case.hierarchy(
      p0: p0, p01: p01, p1: p1, parentMagnitude: parentMagnitude, childMagnitude: childMagnitude,
      l1: l1 ?? 0, bias: bias.flatMap(DecoderBias.init(rawValue:)) ?? .none,
      tMin: tMin ?? 0, tMax: tMax ?? 1)
  }

  /// A case file's case with the flags' overrides applied, validated.
  ///
  /// - Parameter checked: false to skip validation (a sweep validates per point).
  func applied(to loaded: Case, checked: Bool = true) throws -> Case {
    var c = loaded
    if let bias = bias.flatMap(DecoderBias.init(rawValue:)) { c.bias = bias }
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
