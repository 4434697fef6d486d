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

/// `landscape balance`: hedging against absorption along the balance Matryoshka SAE's
/// coefficient.
struct BalanceCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "balance",
    abstract: "Hedging and absorption of balance Matryoshka SAEs, the coefficient swept.",
    discussion: """
      The paper's balance Matryoshka SAE weighs prefix l of L by beta^(L-l) in the loss: \
      beta = 0 is a plain SAE (inner losses off: absorption), beta = 1 the standard \
      Matryoshka SAE (hedging in the inner latents). For each coefficient and seed, an SAE \
      of the case's shape is trained as its train block says (MSE), and so is the standard \
      one with snap loss; the report gives the mean hedging mass of the innermost prefix's \
      latents and the absorption: per parent of the toy's hierarchy and each child, the \
      probability that the parent's latent does not fire when the child fires (exact on the \
      enumerable toy). The case needs Matryoshka prefixes and a hierarchy; its balance_sweep \
      block, if any, gives the default coefficients and seeds.

      Examples:
        landscape balance cases/sae-matryoshka-balance.json --coefficients 0,0.25,1
        landscape balance cases/sae-matryoshka-balance.json --seeds 1,2,3
        landscape balance cases/sae-matryoshka-balance.json --json --plot b.png
      """)

  @Argument(help: "An SAE case file (JSON) with Matryoshka prefixes and a hierarchy.")
  var caseFile: String

  @OptionGroup var set: SetOptions

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "The balance coefficients beta, comma-separated, each >= 0 (default: the case's "
        + "balance_sweep, else 0,0.05,0.1,0.25,0.5,0.75,1).",
      valueName: "beta,..."))
  var coefficients: NumberList?

  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "The training seeds, comma-separated, each in 0...4294967295 (default: the case's "
        + "balance_sweep, else its train seed).",
      valueName: "seed,..."))
  var seeds: NumberList?

  @Flag(help: "Leave out the standard Matryoshka SAE trained with snap loss.")
  var noSnap = false

  @Flag(
    help: ArgumentHelp(
      "Print JSON: case, coefficients, seeds, hedging_mass, encoder_hedging_mass and "
        + "absorption (seeds' mean per coefficient), snap_hedging_mass, snap_absorption, runs, "
        + "checks.")
  )
  var json = false

  @Option(
    help: ArgumentHelp(
      "Write the figure (hedging mass and absorption over beta) to FILE (.png, .svg or .pdf).",
      valueName: "FILE"))
  var plot: String?

  @Option(help: FigureSize.help)
  var size: FigureSize?

  func validate() throws {
    if let coefficients {
      try coefficients.check(
        "--coefficients", is: "a number in [0, 1000000]") { $0.isFinite && $0 >= 0 && $0 <= 1e6 }
      if Set(coefficients.values).count != coefficients.values.count {
        throw ValidationError(
          "--coefficients: \"\(coefficients.text)\" names a coefficient twice")
      }
    }
    try seeds?.check("--seeds", is: "a whole number in 0...4294967295") {
      $0 == $0.rounded() && $0 >= 0 && $0 <= Double(UInt32.max)
    }
    if let seeds, Set(seeds.values).count != seeds.values.count {
      throw ValidationError("--seeds: \"\(seeds.text)\" names a seed twice")
    }
  }

  func run() throws {
    guard case .sae(let saeCase) = try CaseDocument.load(contentsOf: caseFile, overrides: set.overrides()) else {
      throw FieldError(
        field: "sae", value: "", reason: "is required: \(caseFile) is not an SAE case")
    }
    if let plot { try FigureFile.check(plot) }
    let plotSize = try size?.plotSize(for: plot ?? "")
    var plan = BalanceSweepRun(saeCase).plan
    if let coefficients {
      plan.coefficients = coefficients.values
      plan.expectations = plan.expectations.filter {
        $0.balance.map(plan.coefficients.contains) ?? true
      }
    }
    if let seeds {
      plan.seeds = seeds.values.map { UInt64($0) }
    }
    if noSnap {
      plan.snap = false
      plan.expectations = plan.expectations.filter { $0.balance != nil }
    }
    let sweep = try withTerminalProgress { try BalanceSweepRun(saeCase: saeCase, plan: plan).run($0) }
    if let plot {
      try FigureFile.write(Figures.balanceChart(sweep, title: saeCase.title), to: plot, size: plotSize)
    }
    print(json ? try ReportJSON.string(sweep) : sweep.text, terminator: json ? "\n" : "")
  }
}
