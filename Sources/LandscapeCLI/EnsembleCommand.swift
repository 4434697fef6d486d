import ArgumentParser
import CaseFiles
import Foundation
import Landscape
import FigureComposition
import Plotting
import Reports
import SparseAutoencoders
import ToyModels

/// `landscape ensemble`: bagging or boosting of a case's SAE (Gadgil, Lin and Lee).
struct EnsembleCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ensemble",
    abstract:
      "Train an ensemble of a case's SAE (bagging or boosting); read it against the true features.",
    discussion: """
      Bagging trains the members from seeds seed, seed + 1, ... and averages their \
      reconstructions; boosting trains member j on the residual x - sum_{i<j} g_i(r_i) the \
      members before it leave (exactly, as patterns over the features, their decoder rows and \
      biases) and sums the reconstructions. Reported: the exact mse of the ensemble and of its \
      first member alone, diversity (each latent's largest |cos| with the other members' \
      latents, averaged: low is diverse), stability (the same ensemble from the next seeds, \
      latents matched by largest |cos|, averaged both ways: 1 is stable) and every member's \
      true hedging mass per latent. The case's toy must be enumerable (patterns or \
      hierarchy); --method and --members default to the case's ensemble block.

      Examples:
        landscape ensemble cases/sae-boosting-children.json --method bagging
        landscape ensemble cases/sae-boosting-children.json --members 3 --json
        landscape ensemble cases/sae-boosting-children.json --plot e.png
      """)

  @Argument(help: "An SAE case file (JSON) with an enumerable toy.")
  var caseFile: String

  @Option(help: "bagging (members from different seeds, mean) or boosting (residuals, sum).")
  var method: SAEEnsemble.Method?

  @Option(parsing: .unconditional, help: "The number of SAEs, in 1...50.")
  var members: Int?

  @Option(parsing: .unconditional, help: "The first member's seed, in 0...4294967295.")
  var seed: Int?

  @Option(parsing: .unconditional, help: "Adam steps of every member.")
  var steps: Int?

  @Flag(
    help:
      "Print JSON: method, members, seed, mse, single_mse, mse_by_members, diversity, stability, hedging_mass, tracked_feature."
  )
  var json = false

  @Option(help: "Draw hedging mass per latent and mse against the member (.png, .svg, .pdf).")
  var plot: String?

  @Option(help: FigureSize.help)
  var size: FigureSize?

  func validate() throws {
    if let members, !(1...50).contains(members) {
      throw ValidationError("--members: \(members) is not in 1...50")
    }
    if let seed, !(0...Int(UInt32.max)).contains(seed) {
      throw ValidationError("--seed: \(seed) is not in 0...4294967295")
    }
    if let steps, !(0...100_000_000).contains(steps) {
      throw ValidationError("--steps: \(steps) is not in 0...100000000")
    }
  }

  func run() throws {
    guard case .sae(let study) = try CaseDocument.load(contentsOf: caseFile) else {
      throw CaseError(
        field: "case file", value: escapedForMessage(caseFile),
        reason: "is not an SAE case (it has no sae block)")
    }
    guard let method = method ?? study.ensemble?.method else {
      throw CaseError(
        field: "--method", value: "", reason: "is required (the case has no ensemble block)")
    }
    guard let members = members ?? study.ensemble?.members else {
      throw CaseError(
        field: "--members", value: "", reason: "is required (the case has no ensemble block)")
    }
    if let plot { try FigureFile.check(plot) }
    let plotSize = try size?.plotSize(for: plot ?? "")
    var plan = study.plan
    if let seed { plan.seed = UInt64(seed) }
    if let steps {
      plan.steps = steps
      plan.snapAt = plan.snapAt.map { min($0, steps) }
    }
    let start = Date()
    let report = try Self.report(study, method, members: members, plan: plan)
    let seconds = Date().timeIntervalSince(start)
    if let plot {
      try FigureFile.write(
        Figures.ensembleChart(report, title: Self.title(study, report)), to: plot, size: plotSize)
    }
    if json {
      print(try ReportJSON.string(report))
    } else {
      print(Self.text(report, study, seconds: seconds), terminator: "")
    }
  }

  /// The ensemble's report (both ensembles trained), errors naming the case's field.
  static func report(
    _ study: SAEStudy, _ method: SAEEnsemble.Method, members: Int, plan: SAETrainingPlan
  ) throws -> SAEEnsembleReport {
    do {
      return try SAEEnsembleReport(
        method, members: members, architecture: study.architecture, toy: study.toy, plan: plan)
    } catch let e as ToyModelError {
      throw CaseError(field: "ensemble", value: "", reason: e.description)
    }
  }

  static func title(_ study: SAEStudy, _ r: SAEEnsembleReport) -> String {
    let k = study.architecture.latents
    return "\(study.title)\n\(r.method) of \(r.members) SAEs of \(k) latent\(k == 1 ? "" : "s"): "
      + "true hedging mass per member and exact mse"
  }

  /// The text report: one line per member, then the ensemble's numbers.
  static func text(_ r: SAEEnsembleReport, _ study: SAEStudy, seconds: Double) -> String {
    func f(_ x: Double) -> String { String(format: "%.4f", x) }
    let last = r.seed + UInt64(r.members) - 1
    var out = "\(study.name): \(r.method) of \(r.members) SAEs, seeds \(r.seed)...\(last)\n\n"
    out += "member  mse of 0...j  mean hedging  hedging mass per latent (tracked feature)\n"
    for (j, row) in r.hedgingMass.enumerated() {
      let mean = row.reduce(0, +) / Double(max(row.count, 1))
      out += pad("\(j)", 8) + pad(f(r.mseByMembers[j]), 14) + pad(f(mean), 14)
      out +=
        zip(row, r.trackedFeature[j]).map { "\(f($0)) (\(study.features[$1]))" }
        .joined(separator: " ") + "\n"
    }
    out += "\nmse \(r.mse), single_mse \(r.singleMSE), "
    out += "diversity \(r.diversity.map(f) ?? "n/a (one member)") (low is diverse), "
    out += "stability \(f(r.stability)) (1 is stable)\n"
    out += String(format: "time: %.3g s (two ensembles)\n", seconds)
    return out
  }

  /// `reproduce`: each case with an ensemble block drawn to <out>/<name>-ensemble.png.
  static func render(_ studies: [SAEStudy], out: String) throws -> String {
    var lines = ""
    for study in studies {
      guard let spec = study.ensemble else { continue }
      let start = Date()
      let r = try report(study, spec.method, members: spec.members, plan: study.plan)
      let seconds = Date().timeIntervalSince(start)
      let path = (out as NSString).appendingPathComponent("\(study.name)-ensemble.png")
      try FigureFile.write(Figures.ensembleChart(r, title: title(study, r)), to: path)
      print("rendered \(path)")
      lines += pad(study.name, 30) + "\(r.method) x\(r.members): "
      lines += String(format: "mse %.4g (single %.4g), diversity ", r.mse, r.singleMSE)
      lines += r.diversity.map { String(format: "%.3f", $0) } ?? "n/a"
      lines += String(format: ", stability %.3f (%.1f s)\n", r.stability, seconds)
    }
    return lines
  }

  /// `validate`: the ensemble block's expectations checked on its ensemble (trained twice,
  /// for the stability), one row each in validate's table.
  static func checks(_ study: SAEStudy, _ spec: SAEEnsembleSpec) throws -> [SAEReport.Check] {
    let r = try report(study, spec.method, members: spec.members, plan: study.plan)
    return spec.expectations.map { e in
      let v = e.value(r)
      return SAEReport.Check(
        quantity: "ensemble " + e.description, value: v, min: e.min, max: e.max,
        holds: e.holds(for: v))
    }
  }
}

extension SAEEnsemble.Method: ExpressibleByArgument {}
