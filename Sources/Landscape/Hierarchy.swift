import ToyModels

extension LatentCase {
  /// The two-feature hierarchy of the seeds: parent alone (p0), parent and child (p01),
  /// and optionally child alone (p1), over the path parent -> child.
  ///
  /// - Parameters:
  ///   - p0: P(parent fires alone), in [0, 1].
  ///   - p01: P(parent and child fire together), in [0, 1].
  ///   - p1: P(child fires alone), in [0, 1], or nil for no such pattern.
  ///   - parentMagnitude: the parent's magnitude when it fires (finite).
  ///   - childMagnitude: the child's magnitude when it fires (finite).
  ///   - l1: the L1 penalty coefficient (p = 1), >= 0.
  ///   - bias: the decoder bias.
  ///   - tMin: the start of the t range.
  ///   - tMax: the end of the t range, above `tMin`.
  /// - Throws: `FieldError` naming the bad field (`patterns[1].probability` for p01).
  public static func hierarchy(
    p0: Double, p01: Double, p1: Double? = nil, parentMagnitude: Double = 1,
    childMagnitude: Double = 1, l1: Double = 0, bias: DecoderBias = .none,
    tMin: Double = 0, tMax: Double = 1
  ) throws -> LatentCase {
    var patterns = [
      Pattern(name: "p0", probability: p0, magnitudes: [parentMagnitude, 0]),
      Pattern(name: "p01", probability: p01, magnitudes: [parentMagnitude, childMagnitude]),
    ]
    if let p1 {
      patterns.append(Pattern(name: "p1", probability: p1, magnitudes: [0, childMagnitude]))
    }
    var title = "p0 = \(p0), p01 = \(p01)"
    if let p1 { title += ", p1 = \(p1)" }
    if l1 > 0 { title += ", L1 = \(l1)" }
    if let words = bias.describe(features: ["parent", "child"]) { title += ", " + words }
    let c = LatentCase(
      name: "hierarchy", title: title, features: ["parent", "child"], patterns: patterns,
      path: LatentPath(from: [1, 0], to: [0, 1], tMin: tMin, tMax: tMax), bias: bias,
      penalty: Penalty(coefficient: l1, exponent: 1))
    try c.validate()
    return c
  }
}
