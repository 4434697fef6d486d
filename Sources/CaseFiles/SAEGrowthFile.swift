import Landscape
import SparseAutoencoders
import ToyModels

extension SAECase {
  /// `grow`: how `landscape grow` grows the case's SAE, and what `validate` checks of it.
  ///
  ///     "grow": {"start": 2, "add": 2, "to": 20, "draws": 50, "protocol": "control",
  ///              "new_latent_norm": 0.1, "correlation_scales": [0.5, 1],
  ///              "expect": [{"quantity": "fraction_over_baseline", "min": 0.2}]}
  ///
  /// - Throws: `FieldError` naming the field (`grow.to`, `grow.expect[0].quantity`).
  static func growth(_ g: JSONObject, architecture: SAEArchitecture, correlated: Bool) throws
    -> SAEGrowthStudy
  {
    try g.allow([
      "start", "add", "to", "draws", "protocol", "new_latent_norm", "correlation_scales", "expect",
    ])
    func required(_ key: String, in range: ClosedRange<Int>) throws -> Int {
      guard let v = try g.integer(key, in: range) else {
        throw FieldError(field: g.fieldPath(key), value: "", reason: "is required")
      }
      return v
    }
    let start = try g.integer("start", in: 1...10_000) ?? architecture.latents
    var plan = SAEGrowthPlan(
      start: start, add: try required("add", in: 1...10_000), to: try required("to", in: 1...10_000)
    )
    plan.draws = try g.integer("draws", in: 1...1000) ?? plan.draws
    if let name = try g.string("protocol") {
      guard let p = GrowthProtocol(rawValue: name) else {
        throw FieldError(
          field: g.fieldPath("protocol"), value: JSONObject.render(name),
          reason: "is not one of control, continue")
      }
      plan.growthProtocol = p
    }
    plan.newLatentNorm = try g.finiteNumber("new_latent_norm") ?? plan.newLatentNorm
    do { try plan.check() } catch let e as FieldError { throw e.within("grow") }
    let scales = try g.numbers("correlation_scales", in: 0...1) ?? [1]
    if g.has("correlation_scales") && (!correlated || scales.isEmpty) {
      throw FieldError(
        field: g.fieldPath("correlation_scales"), value: "",
        reason: scales.isEmpty ? "is empty" : "needs a correlated toy")
    }
    guard architecture.activation == .relu, architecture.matryoshka == nil else {
      throw FieldError(
        field: "grow", value: "", reason: "needs a plain relu SAE (no top_k, no matryoshka)")
    }
    let expectations = try (g.objects("expect") ?? []).map { e -> SAEGrowthExpectation in
      try e.allow(["quantity", "min", "max", "why"])
      guard let name = try e.string("quantity") else {
        throw FieldError(field: e.fieldPath("quantity"), value: "", reason: "is required")
      }
      guard let q = SAEGrowthQuantity(rawValue: name) else {
        throw FieldError(
          field: e.fieldPath("quantity"), value: JSONObject.render(name),
          reason: "is not one of "
            + SAEGrowthQuantity.allCases.map(\.rawValue).joined(separator: ", "))
      }
      let (min, max) = try e.bounds()
      return SAEGrowthExpectation(q, min: min, max: max)
    }
    return SAEGrowthStudy(plan: plan, correlationScales: scales, expectations: expectations)
  }
}
