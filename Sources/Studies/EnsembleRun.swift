import Foundation
import Landscape
import Reports
import SparseAutoencoders
import ToyModels

/// An ensemble of a case's SAE (bagging or boosting, Gadgil, Lin and Lee) trained and read
/// against the true features: what `ensemble`, `reproduce` and `validate` share.
public struct EnsembleRun: Sendable {
  public var saeCase: SAECase
  public var method: SAEEnsemble.Method
  /// The number of SAEs, in 1...50.
  public var members: Int
  public var plan: SAETrainingPlan
  /// A sampled toy's held-out draws (and boosting's training draws), in 2...10^9.
  public var samples: Int

  public init(
    saeCase: SAECase, method: SAEEnsemble.Method, members: Int, plan: SAETrainingPlan,
    samples: Int = 100_000
  ) {
    self.saeCase = saeCase
    self.method = method
    self.members = members
    self.plan = plan
    self.samples = samples
  }

  /// The case's own ensemble (its ensemble block and train block); nil without a block.
  public init?(_ saeCase: SAECase) {
    guard let spec = saeCase.ensemble else { return nil }
    self.init(
      saeCase: saeCase, method: spec.method, members: spec.members, plan: saeCase.plan,
      samples: spec.samples)
  }

  /// The ensemble's report (both ensembles trained: the second for the stability) and the
  /// seconds it took.
  /// - Throws: `FieldError` (field `ensemble`); `CancellationError` before it starts.
  public func run(_ control: RunControl = .none) throws -> EnsembleResult {
    try control.checkCancellation()
    let start = Date()
    do {
      let report = try SAEEnsembleReport(
        method, members: members, architecture: saeCase.architecture, toy: saeCase.toy, plan: plan,
        samples: samples)
      return EnsembleResult(report: report, seconds: Date().timeIntervalSince(start))
    } catch let e as FieldError {
      throw e.within("ensemble")
    }
  }
}

/// An ensemble's report and how long it took.
public struct EnsembleResult: Sendable {
  public var report: SAEEnsembleReport
  public var seconds: Double

  /// The figure's title: the case's, then what the ensemble is.
  public func title(_ saeCase: SAECase) -> String {
    let k = saeCase.architecture.latents
    let r = report
    return "\(saeCase.title)\n\(r.method) of \(r.members) SAEs of \(k) latent\(k == 1 ? "" : "s"): "
      + "true hedging mass per member and \(r.samples == nil ? "exact" : "estimated") mse"
  }

  /// The text report: one line per member, then the ensemble's numbers.
  public func text(_ saeCase: SAECase) -> String {
    let r = report
    func f(_ x: Double) -> String { TextTable.decimal(x) }
    let pad = TextTable.pad
    let last = r.seed + UInt64(r.members) - 1
    var out = "\(saeCase.name): \(r.method) of \(r.members) SAEs, seeds \(r.seed)...\(last)\n\n"
    out += "member  mse of 0...j  mean hedging  hedging mass per latent (tracked feature)\n"
    for (j, row) in r.hedgingMass.enumerated() {
      let mean = row.reduce(0, +) / Double(max(row.count, 1))
      out += pad("\(j)", 8) + pad(f(r.mseByMembers[j]), 14) + pad(f(mean), 14)
      out +=
        zip(row, r.trackedFeature[j]).map { "\(f($0)) (\(saeCase.features[$1]))" }
        .joined(separator: " ") + "\n"
    }
    if let n = r.samples, let se = r.mseStandardError, let single = r.singleMSEStandardError {
      out += "\nmse \(r.mse), single_mse \(r.singleMSE): estimated from \(n) held-out samples "
      out += "(seed \(r.seed + 2 * UInt64(r.members))), standard error \(f(se)) (single \(f(single)))\n"
    } else {
      out += "\nmse \(r.mse), single_mse \(r.singleMSE), "
    }
    out += "diversity \(r.diversity.map(f) ?? "n/a (one member)") (low is diverse), "
    out += "stability \(f(r.stability)) (1 is stable)\n"
    out += String(format: "time: %.3g s (two ensembles)\n", seconds)
    return out
  }

  /// The line `reproduce` prints for it.
  public func summary(_ saeCase: SAECase) -> String {
    let r = report
    var line = TextTable.pad(saeCase.name, 30) + "\(r.method) x\(r.members): "
    if let se = r.mseStandardError, let single = r.singleMSEStandardError {
      line += String(
        format: "mse %.4g +- %.2g (single %.4g +- %.2g), diversity ", r.mse, se, r.singleMSE, single)
    } else {
      line += String(format: "mse %.4g (single %.4g), diversity ", r.mse, r.singleMSE)
    }
    line += r.diversity.map { String(format: "%.3f", $0) } ?? "n/a"
    line += String(format: ", stability %.3f (%.1f s)\n", r.stability, seconds)
    return line
  }

  /// The ensemble block's expectations checked on this ensemble, one row each.
  public func checks(_ spec: SAEEnsembleSpec) -> [SAEReport.Check] {
    spec.expectations.map { e in
      let v = e.value(report)
      return SAEReport.Check(
        quantity: "ensemble " + e.description, value: v, min: e.min, max: e.max,
        holds: e.holds(for: v))
    }
  }
}

/// The balance Matryoshka sweep of a case: hedging against absorption along the coefficient.
public struct BalanceSweepRun: Sendable {
  public var saeCase: SAECase
  public var plan: BalanceSweepPlan

  /// The coefficients `balance` sweeps when neither the case nor the flags say.
  public static let defaultCoefficients = [0, 0.05, 0.1, 0.25, 0.5, 0.75, 1]

  public init(saeCase: SAECase, plan: BalanceSweepPlan) {
    self.saeCase = saeCase
    self.plan = plan
  }

  /// The case's own sweep (its balance_sweep block, else the default coefficients at its
  /// train seed).
  public init(_ saeCase: SAECase) {
    self.init(
      saeCase: saeCase,
      plan: saeCase.balanceSweep
        ?? BalanceSweepPlan(coefficients: Self.defaultCoefficients, seeds: [saeCase.plan.seed]))
  }

  /// The sweep; its errors name the case's field.
  public func run(_ control: RunControl = .none) throws -> BalanceSweep {
    try control.checkCancellation()
    return try BalanceSweep(saeCase, plan)
  }

  /// The checks of the case's balance sweep (none without one): one per expectation and seed.
  public static func checks(_ saeCase: SAECase, _ control: RunControl = .none) throws
    -> [SAEReport.Check]
  {
    guard let plan = saeCase.balanceSweep, !plan.expectations.isEmpty else { return [] }
    let sweep = try BalanceSweepRun(saeCase: saeCase, plan: plan).run(control)
    return sweep.checks.flatMap { c in
      zip(plan.seeds, c.values).map { seed, v in
        SAEReport.Check(
          quantity: "\(c.quantity), seed \(seed)", value: v, min: c.min, max: c.max,
          holds: c.holds(for: v))
      }
    }
  }
}

extension BalanceSweep {
  /// One line per run: beta (or snap), seed, hedging masses, absorption, mse; then the checks.
  public var text: String {
    func f(_ x: Double) -> String { TextTable.decimal(x) }
    var table = TextTable(
      header: ["beta", "seed", "decoder hedging", "encoder hedging", "absorption", "mse"])
    for r in runs {
      table.append([
        r.snap ? "snap" : "\(r.balance)", "\(r.seed)", f(r.decoderHedgingMass),
        f(r.encoderHedgingMass), f(r.absorption), f(r.mse),
      ])
    }
    var out =
      "\(name): hedging mass of the innermost prefix's latents, absorption of the parents\n"
    out += table.text
    for c in checks {
      out += "\(c.holds ? "pass" : "FAIL")  \(c.quantity): "
      out += c.values.map(f).joined(separator: ", ")
      out += " (expected \(c.bounds))\n"
    }
    return out
  }
}
