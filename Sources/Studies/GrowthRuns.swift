import Landscape
import Reports
import SparseAutoencoders
import ToyModels

/// Growing an SAE case's SAE at every correlation scale of its growth saeCase: what `grow`,
/// `reproduce` and `validate` share.
public struct GrowthRuns: Sendable {
  public var saeCase: SAECase
  public var growth: SAEGrowthStudy
  public var plan: SAETrainingPlan
  /// An SAE to start from, measured untrained at the first width; nil starts from the case's
  /// architecture and trains it.
  public var initial: SAE?

  public init(
    saeCase: SAECase, growth: SAEGrowthStudy, plan: SAETrainingPlan, initial: SAE? = nil
  ) {
    self.saeCase = saeCase
    self.growth = growth
    self.plan = plan
    self.initial = initial
  }

  /// One growth per correlation scale, in the growth saeCase's order; progress per width.
  /// - Throws: `FieldError` (field `grow`) when a growth cannot run; `CancellationError`.
  public func run(_ control: RunControl = .none, label: String) throws -> GrowthReport {
    let widths = growth.plan.widths.count
    let total = widths * growth.correlationScales.count
    var runs: [SAEGrowth] = []
    for (r, s) in growth.correlationScales.enumerated() {
      try control.checkCancellation()
      var architecture = saeCase.architecture
      architecture.latents = growth.plan.start
      architecture.initialFeatures = architecture.initialFeatures.map {
        Array($0.prefix(growth.plan.start))
      }
      let n = saeCase.features.count
      do {
        // Checked before the embedding (d x d numbers) and the SAE are built.
        try plan.check(
          features: n, dimensions: plan.dimension ?? n, enumerable: saeCase.toy.patterns != nil)
        let embedding = plan.embedding(features: n)
        let start =
          try initial
          ?? architecture.initialSAE(
            dimensions: plan.dimension ?? n, seed: plan.seed, basis: embedding?.basis)
        runs.append(
          try SAEGrowth.run(
            start, on: SAEGrowthStudy.toy(saeCase.toy, scale: s), training: plan,
            growth: growth.plan, embedding: embedding, trainsFirstWidth: initial == nil
          ) { done, _ in control.report(r * widths + done, of: total, label) })
      } catch let e as FieldError {
        throw e.within("grow")
      }
    }
    return GrowthReport(runs: runs, scales: growth.correlationScales)
  }
}

/// The growth runs of a case, one per correlation scale.
///
/// JSON: one run as its flat object (widths, fraction_in_new_span, ...); several as
/// {"correlation_scales", "runs", "rank_correlation_per_scale" (each run's rho, as its own
/// `rank_correlation`), "rank_correlation" (rho pooled over every run and width)}.
public struct GrowthReport: Encodable, Sendable {
  public var runs: [SAEGrowth]
  public var scales: [Double]

  public init(runs: [SAEGrowth], scales: [Double]) {
    self.runs = runs
    self.scales = scales
  }

  /// Spearman's rho of the hedging degree and the true hedging mass, pooled over every run.
  public var rankCorrelation: Double? { SAEGrowth.pooledRankCorrelation(runs) }

  /// Spearman's rho within each run (one per correlation scale), in the runs' order.
  public var rankCorrelationPerScale: [Double?] { runs.map(\.rankCorrelation) }

  public func encode(to encoder: Encoder) throws {
    if runs.count == 1 { return try runs[0].encode(to: encoder) }
    enum Keys: String, CodingKey {
      case correlationScales = "correlation_scales", runs
      case rankCorrelationPerScale = "rank_correlation_per_scale"
      case rankCorrelation = "rank_correlation"
    }
    var c = encoder.container(keyedBy: Keys.self)
    try c.encode(scales, forKey: .correlationScales)
    try c.encode(runs, forKey: .runs)
    try c.encode(rankCorrelationPerScale, forKey: .rankCorrelationPerScale)
    try c.encode(rankCorrelation, forKey: .rankCorrelation)
  }

  /// The text report: a table per run, then the rank correlation per scale and pooled.
  public func text(_ growth: SAEGrowthStudy, _ saeCase: SAECase) -> String {
    func f(_ x: Double?) -> String { x.map { TextTable.decimal($0) } ?? "-" }
    let pad = TextTable.pad
    var out = "\(saeCase.name): \(saeCase.title)\n"
    out += "growth \(growth.plan.start) -> \(growth.plan.to) by \(growth.plan.add), "
    out +=
      growth.plan.growthProtocol == .control
      ? "movement against the control (the authors' protocol), "
      : "movement against the SAE before growing, "
    out += "baseline over \(growth.plan.draws) random subspaces\n"
    for (run, s) in zip(runs, growth.correlationScales) {
      if runs.count > 1 || s != 1 { out += "\ncorrelation scale \(s)\n" } else { out += "\n" }
      out += "width  in new span  baseline  moved    hedging degree  bias norm  true hedging  mse\n"
      for (i, w) in run.widths.enumerated() {
        let c = run.changes[i]
        out += pad("\(w)", 7) + pad(f(c?.fractionInNewSpan), 13) + pad(f(c?.randomBaseline), 10)
        out += pad(f(c?.relativeChange), 9) + pad(f(run.hedgingDegree[i]), 16)
        out += pad(f(run.decoderBiasNorm[i]), 11) + pad(f(run.trueHedgingMass[i]), 14)
        out += f(run.mse[i]) + "\n"
      }
    }
    out += "\nrank correlation (Spearman) of hedging degree and true hedging mass"
    guard runs.count > 1 else { return out + ": \(f(rankCorrelation))\n" }
    out += ":\n"
    for (rho, s) in zip(rankCorrelationPerScale, scales) {
      out += "  within correlation scale \(s): \(f(rho))\n"
    }
    out += "  pooled over every scale: \(f(rankCorrelation))\n"
    return out
  }
}
