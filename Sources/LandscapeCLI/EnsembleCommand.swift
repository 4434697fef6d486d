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
      biases) and sums the reconstructions. On a sampled toy, bagging's members \
      train on fresh draws as single runs do; boosting's first member too, and member j on the \
      exact residual patterns of a fixed training set of --samples draws (each step drawing its \
      batch from them); the mse is then estimated on --samples held-out draws, with its \
      standard error. Reported: the mse of the ensemble and of its first member alone, diversity (each latent's largest |cos| with the other members' \
      latents, averaged: low is diverse), stability (the same ensemble from the next seeds, \
      latents matched by largest |cos|, averaged both ways: 1 is stable) and every member's \
      true hedging mass per latent. --method, --members and --samples default to the case's \
      ensemble block.

      Examples:
        landscape ensemble cases/sae-boosting-children.json --method bagging
        landscape ensemble cases/sae-boosting-children.json --members 3 --json
        landscape ensemble cases/sae-boosting-children.json --plot e.png
      """)

  @Argument(help: "An SAE case file (JSON).")
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

  @Option(
    parsing: .unconditional,
    help: "A sampled toy's held-out draws and boosting's training draws, in 2...1000000000.")
  var samples: Int?

  @Flag(
    help:
      "Print JSON: method, members, seed, mse, single_mse, mse_by_members, (sampled toys) samples, mse_standard_error, single_mse_standard_error, diversity, stability, hedging_mass, tracked_feature."
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
    if let samples, !(2...1_000_000_000).contains(samples) {
      throw ValidationError("--samples: \(samples) is not in 2...1000000000")
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
    if samples != nil && saeCase.toy.patterns != nil {
      throw FieldError(
        flag: "--samples", value: "\(samples!)",
        reason: "applies to a sampled toy only: \(saeCase.name)'s mse is exact")
    }
    let result = try EnsembleRun(
      saeCase: saeCase, method: method, members: members, plan: plan,
      samples: samples ?? saeCase.ensemble?.samples ?? 100_000
    ).run()
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
