import Landscape
import SparseAutoencoders
import ToyModels

extension SAECase {
  /// Parses a case's `ensemble` block: `method` (bagging or boosting), `members` (1...50),
  /// `samples` (a sampled toy only, 2...10^9, default 100,000: the held-out draws of the mse
  /// and boosting's training draws) and an optional `expect` list (quantity mse, single_mse, mse_ratio, diversity, stability or
  /// hedging_mass with an optional `member` and `statistic`; min and/or max).
  /// - Throws: `FieldError` naming the field (`ensemble.expect[0].member`).
  static func ensembleSpec(_ e: JSONObject?, toy: ToyModel) throws -> SAEEnsembleSpec? {
    guard let e else { return nil }
    try e.allow(["method", "members", "samples", "expect"])
    if toy.patterns != nil && e.has("samples") {
      throw FieldError(
        field: e.fieldPath("samples"), value: "",
        reason: "applies to a sampled (correlated) toy only: an enumerable toy's mse is exact")
    }
    let samples = try e.integer("samples", in: 2...1_000_000_000) ?? 100_000
    guard let m = try e.string("method") else {
      throw FieldError(field: e.fieldPath("method"), value: "", reason: "is required")
    }
    guard let method = SAEEnsemble.Method(rawValue: m) else {
      throw FieldError(
        field: e.fieldPath("method"), value: JSONObject.render(m),
        reason: "is not one of bagging, boosting")
    }
    guard let members = try e.integer("members", in: 1...50) else {
      throw FieldError(field: e.fieldPath("members"), value: "", reason: "is required")
    }
    let expectations = try (e.objects("expect") ?? []).map {
      try ensembleExpectation($0, members: members)
    }
    return SAEEnsembleSpec(
      method: method, members: members, samples: samples, expectations: expectations)
  }

  private static func ensembleExpectation(_ e: JSONObject, members: Int) throws
    -> SAEEnsembleExpectation
  {
    try e.allow(["quantity", "member", "statistic", "min", "max", "why"])
    guard let q = try e.string("quantity") else {
      throw FieldError(field: e.fieldPath("quantity"), value: "", reason: "is required")
    }
    let quantity: SAEEnsembleQuantity
    switch q {
    case "mse": quantity = .mse
    case "single_mse": quantity = .singleMSE
    case "mse_ratio": quantity = .mseRatio
    case "diversity":
      guard members > 1 else {
        throw FieldError(
          field: e.fieldPath("quantity"), value: "\"diversity\"", reason: "needs 2 members or more")
      }
      quantity = .diversity
    case "stability": quantity = .stability
    case "hedging_mass":
      let statistic = try e.statistic()
      quantity = .hedgingMass(member: try e.integer("member", in: 0...(members - 1)), statistic)
    default:
      throw FieldError(
        field: e.fieldPath("quantity"), value: JSONObject.render(q),
        reason: "is not one of mse, single_mse, mse_ratio, diversity, stability, hedging_mass")
    }
    if q != "hedging_mass" {
      for key in ["member", "statistic"] where e.has(key) {
        throw FieldError(field: e.fieldPath(key), value: "", reason: "applies to hedging_mass only")
      }
    }
    let (lo, hi) = try e.bounds()
    return SAEEnsembleExpectation(quantity, min: lo, max: hi)
  }
}
