import ToyModels

extension LatentCase {
  /// Checks a list of patterns over `features`: at least one, distinct non-empty names,
  /// probabilities finite in [0, 1] summing to at most 1, one magnitude per feature, each
  /// finite and at most `LatentCase.magnitudeLimit` in size. A case's patterns and an SAE case's
  /// `patterns` toy are checked here alike.
  /// - Throws: `FieldError` naming the first bad pattern field (`patterns[1].probability`).
  public static func validate(patterns: [Pattern], features: [String]) throws {
    if patterns.isEmpty {
      throw FieldError(field: "patterns", value: "[]", reason: "must list at least one pattern")
  }
  var names = Set<String>()
  var total = 0.0
  for (j, pattern) in patterns.enumerated() {
    let field = "patterns[\(j)]"
    if pattern.name.isEmpty {
      throw FieldError(field: "\(field).name", value: "\"\"", reason: "is empty")
    }
    if !names.insert(pattern.name).inserted {
      throw FieldError(
        field: "\(field).name", value: "\"\(escapedForMessage(pattern.name))\"",
        reason: "is a duplicate")
    }
    let p = pattern.probability
    if !p.isFinite || p < 0 || p > 1 {
      throw FieldError(field: "\(field).probability", value: "\(p)", reason: "is not in [0, 1]")
    }
    total += p
    if pattern.magnitudes.count != features.count {
      throw FieldError(
        field: "\(field).fires", value: "\(pattern.magnitudes.count) magnitudes",
        reason: "does not match the \(features.count) features")
    }
    for (i, m) in pattern.magnitudes.enumerated()
    where !m.isFinite || abs(m) > LatentCase.magnitudeLimit {
      throw FieldError(
        field: "\(field).fires.\(escapedForMessage(features[i]))", value: "\(m)",
        reason: "is not a finite magnitude of size at most \(LatentCase.magnitudeLimit)")
    }
  }
  if total > 1 + 1e-12 {
    throw FieldError(
      field: "patterns", value: "probabilities summing to \(total)", reason: "exceed 1")
  }
  }

  /// Checks every field before any numerical routine sees it.
  ///
  /// Features: at least one, distinct, non-empty. Patterns: at least one, distinct
  /// names, probabilities finite in [0, 1] summing to at most 1, magnitudes finite and
  /// at most `LatentCase.magnitudeLimit` in size. Path: finite ends of the feature count,
  /// neither zero, lengths within a factor 1000, not parallel (so w(t) never vanishes),
  /// a finite t range with t_min < t_max. Penalty: coefficient in [0, `LatentCase.penaltyLimit`],
  /// exponent in (0, 16].
  /// - Throws: `FieldError` naming the first bad field.
  public func validate() throws {
    if features.isEmpty {
      throw FieldError(field: "features", value: "[]", reason: "must name at least one feature")
    }
    var seen = Set<String>()
    for (i, feature) in features.enumerated() {
      if feature.isEmpty {
        throw FieldError(field: "features[\(i)]", value: "\"\"", reason: "is empty")
      }
      if !seen.insert(feature).inserted {
        throw FieldError(
          field: "features[\(i)]", value: "\"\(escapedForMessage(feature))\"",
          reason: "is a duplicate")
      }
    }
    try Self.validate(patterns: patterns, features: features)
    try path.validate(featureCount: features.count, features: features)
    if case .fixed(let b) = bias {
      if b.count != features.count {
        throw FieldError(
          field: "bias", value: "\(b.count) components",
          reason: "does not match the \(features.count) features")
      }
      for (i, x) in b.enumerated() where !x.isFinite || abs(x) > LatentCase.magnitudeLimit {
        throw FieldError(
          field: "bias.\(escapedForMessage(features[i]))", value: "\(x)",
          reason: "is not a finite component of size at most \(LatentCase.magnitudeLimit)")
      }
    }
    let lambda = penalty.coefficient
    if !(lambda >= 0 && lambda <= LatentCase.penaltyLimit) {
      throw FieldError(
        field: "penalty.coefficient", value: "\(lambda)",
        reason: "is not in [0, \(LatentCase.penaltyLimit)]")
    }
    let p = penalty.exponent
    if !p.isFinite || p <= 0 || p > 16 {
      throw FieldError(field: "penalty.p", value: "\(p)", reason: "is not in (0, 16]")
    }
  }

  /// The largest ratio of the path ends' lengths: beyond it the latent turns within a
  /// sliver of t, where the piecewise forms lose their digits.
  public static let pathEndRatioLimit = 1e3

  /// The largest magnitude a case may use: keeps squared magnitudes and their exact
  /// rational forms far from overflow.
  public static let magnitudeLimit = 1e6
  /// The largest penalty coefficient lambda: keeps lambda E[h^p] finite for every latent,
  /// bias and pattern within `magnitudeLimit` (h <= 2e6 sqrt(k), p <= 16: below 1e140 for
  /// k <= 1000 features), where 1e308 times a magnitude of 1e6 is inf.
  public static let penaltyLimit = 1e6
  /// The narrowest t range, relative to max(1, |t_min|, |t_max|): narrower, its points do
  /// not differ and a figure's t axis cannot be labelled.
  public static let minimumTSpan = 1e-9
}

extension LatentPath {
  /// Checks the path: finite ends of the right length, neither zero, lengths within a
  /// factor `LatentCase.pathEndRatioLimit` of each other, not parallel (|u|^2 |v|^2 - (u . v)^2
  /// > 1e-12 |u|^2 |v|^2, so w(t) never vanishes), and a finite t range with
  /// t_max - t_min >= `LatentCase.minimumTSpan` max(1, |t_min|, |t_max|).
  /// - Throws: `FieldError` naming the first bad field.
  public func validate(featureCount: Int, features: [String]) throws {
    for (label, end) in [("path.from", from), ("path.to", to)] {
      if end.count != featureCount {
        throw FieldError(
          field: label, value: "\(end.count) components",
          reason: "does not match the \(featureCount) features")
      }
      for (i, c) in end.enumerated() where !c.isFinite || abs(c) > LatentCase.magnitudeLimit {
        throw FieldError(
          field: "\(label).\(escapedForMessage(features[i]))", value: "\(c)",
          reason: "is not a finite component of size at most \(LatentCase.magnitudeLimit)")
      }
      if end.allSatisfy({ $0 == 0 }) {
        throw FieldError(field: label, value: describe(end, features), reason: "is the zero vector")
      }
    }
    let uu = from.reduce(0) { $0 + $1 * $1 }
    let vv = to.reduce(0) { $0 + $1 * $1 }
    // The losses are ratios of quadratics in t whose coefficients scale with |u|^2 and
    // |v|^2; with |u| / |v| = 1e6 the latent turns within 1e-6 of t = 1 and the
    // coefficients cancel to a few digits there (no MSE minimum was found at all).
    if max(uu, vv) > LatentCase.pathEndRatioLimit * LatentCase.pathEndRatioLimit * min(uu, vv) {
      throw FieldError(
        field: "path", value: "from \(describe(from, features)) to \(describe(to, features))",
        reason:
          "has ends whose lengths differ by more than a factor \(Int(LatentCase.pathEndRatioLimit)) (\(uu.squareRoot()) and \(vv.squareRoot()))"
      )
    }
    let uv = zip(from, to).reduce(0) { $0 + $1.0 * $1.1 }
    if uu * vv - uv * uv <= 1e-12 * uu * vv {
      throw FieldError(
        field: "path", value: "from \(describe(from, features)) to \(describe(to, features))",
        reason: "has parallel ends, so w(t) = (1-t) u + t v spans no plane (and may vanish)")
    }
    let lo = tMin
    let hi = tMax
    if !lo.isFinite || !hi.isFinite || abs(lo) > 1e6 || abs(hi) > 1e6 {
      throw FieldError(
        field: "path.t", value: "[\(lo), \(hi)]", reason: "is not a finite range within [-1e6, 1e6]"
      )
    }
    if !(lo < hi) {
      throw FieldError(
        field: "path.t", value: "[\(lo), \(hi)]", reason: "is empty: t_min must be below t_max")
    }
    if hi - lo < LatentCase.minimumTSpan * max(1, abs(lo), abs(hi)) {
      throw FieldError(
        field: "path.t", value: "[\(lo), \(hi)]",
        reason:
          "is too narrow: t_max - t_min must be at least 1e-9 max(1, |t_min|, |t_max|) for "
          + "its points to differ and a figure's t axis to be labelled")
    }
  }
}

func describe(_ vector: [Double], _ features: [String]) -> String {
  let shown = zip(features, vector).prefix(8).map { "\(escapedForMessage($0, limit: 24)): \($1)" }
  return "{" + shown.joined(separator: ", ") + (features.count > 8 ? ", ...}" : "}")
}
