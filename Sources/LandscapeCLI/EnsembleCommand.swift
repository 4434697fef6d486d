import ArgumentParser
import CaseFiles
import Foundation
import Landscape
import FigureComposition
import Plotting
import Reports
import SparseAutoencoders
import Studies
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

  @OptionGroup var set: SetOptions

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
    guard case .sae(let saeCase) = try CaseDocument.load(contentsOf: caseFile, overrides: set.overrides()) else {
      throw FieldError(
        field: "case file", value: escapedForMessage(caseFile),
        reason: "is not an SAE case (it has no sae block)")
    }
    guard let method = method ?? saeCase.ensemble?.method else {
      throw FieldError(
        flag: "--method", value: "", reason: "is required (the case has no ensemble block)")
    }
    guard let members = members ?? saeCase.ensemble?.members else {
      throw FieldError(
        flag: "--members", value: "", reason: "is required (the case has no ensemble block)")
    }
    if let plot { try FigureFile.check(plot) }
    let plotSize = try size?.plotSize(for: plot ?? "")
    var plan = saeCase.plan
    if let seed { plan.seed = UInt64(seed) }
    if let steps {
      // The same rule as train's: a case's snap step past the new steps is refused.
      plan.steps = steps
      if let s = plan.snapAt, s > steps {
        throw FieldError(
          field: "train.snap_at", value: "\(s)",
          reason: "is not in 0...\(steps) (the steps): --steps \(steps) is below it")
      }
    }
    let result = try EnsembleRun(saeCase: saeCase, method: method, members: members, plan: plan)
      .run()
    if let plot {
      try FigureFile.write(
        Figures.ensembleChart(result.report, title: result.title(saeCase)), to: plot,
        size: plotSize)
    }
    if json {
      print(try ReportJSON.string(result.report))
    } else {
      print(result.text(saeCase), terminator: "")
    }
  }
}

extension SAEEnsemble.Method: ExpressibleByArgument {}
