import ArgumentParser
import CaseFiles
import Foundation
import Landscape
import FigureComposition
import Plotting
import Reports
import SparseAutoencoders
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

  @Option(
    help: ArgumentHelp(
      "The balance coefficients beta, comma-separated, each >= 0 (default: the case's "
        + "balance_sweep, else 0,0.05,0.1,0.25,0.5,0.75,1).",
      valueName: "beta,..."))
  var coefficients: NumberList?

  @Option(
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

  static let defaultCoefficients = [0, 0.05, 0.1, 0.25, 0.5, 0.75, 1]

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
  }

  func run() throws {
    guard case .sae(let study) = try CaseDocument.load(contentsOf: caseFile) else {
      throw CaseError(
        field: "sae", value: "", reason: "is required: \(caseFile) is not an SAE case")
    }
    if let plot { try FigureFile.check(plot) }
    let plotSize = try size?.plotSize(for: plot ?? "")
    var plan =
      study.balanceSweep
      ?? BalanceSweepPlan(coefficients: Self.defaultCoefficients, seeds: [study.plan.seed])
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
    let sweep = try Self.sweep(study, plan)
    if let plot {
      try FigureFile.write(Figures.balanceChart(sweep, title: study.title), to: plot, size: plotSize)
    }
    print(json ? try ReportJSON.string(sweep) : Self.text(sweep), terminator: json ? "\n" : "")
  }

  /// The sweep, its errors naming the case's field.
  static func sweep(_ study: SAEStudy, _ plan: BalanceSweepPlan) throws -> BalanceSweep {
    do {
      return try BalanceSweep(study, plan)
    } catch let e as ToyModelError {
      let text = e.description
      let colon = text.firstIndex(of: ":") ?? text.startIndex
      throw CaseError(
        field: String(text[..<colon]), value: "",
        reason: String(text[colon...].dropFirst().drop { $0 == " " }))
    }
  }

  /// One line per run: beta (or snap), seed, hedging masses, absorption, mse; then the checks.
  static func text(_ s: BalanceSweep) -> String {
    func f(_ x: Double) -> String { String(format: "%.4f", x) }
    var rows = [["beta", "seed", "decoder hedging", "encoder hedging", "absorption", "mse"]]
    for r in s.runs {
      rows.append([
        r.snap ? "snap" : "\(r.balance)", "\(r.seed)", f(r.decoderHedgingMass),
        f(r.encoderHedgingMass), f(r.absorption), f(r.mse),
      ])
    }
    let widths = rows[0].indices.map { i in rows.map { $0[i].count }.max()! }
    var out =
      "\(s.name): hedging mass of the innermost prefix's latents, absorption of the parents\n"
    for row in rows {
      let line = row.enumerated().map { i, cell in pad(cell, widths[i] + 2) }.joined()
      out += String(line.reversed().drop { $0 == " " }.reversed()) + "\n"
    }
    for c in s.checks {
      out += "\(c.holds ? "pass" : "FAIL")  \(c.quantity): "
      out += c.values.map(f).joined(separator: ", ")
      out += " (expected \(c.bounds))\n"
    }
    return out
  }
}

extension ValidateCommand {
  /// The checks of a study's balance sweep (none without one): one per expectation and seed.
  static func balanceChecks(_ study: SAEStudy) throws -> [SAEReport.Check] {
    guard let plan = study.balanceSweep, !plan.expectations.isEmpty else { return [] }
    let sweep = try BalanceCommand.sweep(study, plan)
    return sweep.checks.flatMap { c in
      zip(plan.seeds, c.values).map { seed, v in
        SAEReport.Check(
          quantity: "\(c.quantity), seed \(seed)", value: v, min: c.min, max: c.max,
          holds: c.holds(for: v))
      }
    }
  }
}

extension ReproduceCommand {
  /// The balance sweep's figure, <out>/<name>-balance.png, for a study that asks for one.
  func renderBalanceSweep(_ study: SAEStudy) throws {
    guard let plan = study.balanceSweep else { return }
    let sweep = try BalanceCommand.sweep(study, plan)
    let path = (out as NSString).appendingPathComponent("\(study.name)-balance.png")
    try FigureFile.write(Figures.balanceChart(sweep, title: study.title), to: path)
    print("rendered \(path)")
  }
}
