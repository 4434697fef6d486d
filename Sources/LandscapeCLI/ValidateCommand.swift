import ArgumentParser
import CaseFiles
import Foundation
import Landscape
import SparseAutoencoders
import ToyModels
import Training

struct ValidateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "validate",
    abstract:
      "Train each case as its train block says; check the trained t (or the SAE case's expectations).",
    discussion: """
      The analytic minimum is the one the same loss should reach: for MSE the global \
      MSE minimum; for L2 the L2 minimum whose basin holds the initial t; for snap the \
      L2 minimum whose basin holds the global MSE minimum. With learned biases the \
      analytic case has the optimal decoder bias. A case passes when |trained t - \
      analytic t| is within its tolerance. An SAE case (an sae block) is trained as its \
      train block says and passes when every quantity of its expect list lies within its \
      bounds. The command fails when any case fails. Without arguments, every *.json in \
      --cases that has a train block or an expect list.

      Examples:
        landscape validate cases/train-mse-hedges.json
        landscape validate --cases cases
      """)

  @Argument(
    help:
      "Case files with a train block or an expect list (default: every *.json in --cases that has one)."
  )
  var caseFiles: [String] = []

  @Option(help: "The folder searched when no case file is given.")
  var cases = "cases"

  func run() throws {
    var sources: [(Case, TrainingOptions)] = []
    var studies: [SAEStudy] = []
    var skipped: [String] = []
    let files = caseFiles.isEmpty ? try LandscapeCLI.caseFiles(in: cases) : caseFiles
    for file in files {
      switch try CaseDocument.load(contentsOf: file) {
      case .landscape(let c, let plan?): sources.append((c, plan))
      case .sae(let s)
      where !s.expectations.isEmpty || !(s.growth?.expectations.isEmpty ?? true)
        || s.ensemble?.expectations.isEmpty == false
        || s.balanceSweep?.expectations.isEmpty == false:
        studies.append(s)
      case let document:
        if !caseFiles.isEmpty {
          throw FieldError(
            field: "\(file): \(document.isSAE ? "expect" : "train")", value: "",
            reason:
              "is required to validate (the case has no \(document.isSAE ? "expect list" : "train block"))"
          )
        }
        skipped.append(document.name)
      }
    }
    if sources.isEmpty && studies.isEmpty {
      throw FieldError(
        flag: "--cases", value: cases,
        reason: "holds no case file with a train block or an expect list")
    }

    var checks: [(Case, TrainingCheck)] = []
    for (c, plan) in sources {
      let bar = ProgressBar(total: plan.steps, label: "training \(c.name)")
      let check = try TrainingCheck(
        c, plan: plan, progress: bar.map { bar in { bar.update($0.step) } })
      bar?.finish()
      checks.append((c, check))
    }
    var failed = checks.filter { !$0.1.passed }.map(\.0.name)
    if !checks.isEmpty { print(Self.table(checks), terminator: "") }
    var reports: [(name: String, checks: [SAEReport.Check])] = []
    for study in studies {
      var found: [SAEReport.Check] = []
      if !study.expectations.isEmpty {
        let (sae, embedding, _) = try SAETraining(study: study, plan: study.plan, initFrom: nil)
          .run()
        found +=
          SAEReport(sae, study: study, basis: embedding?.basis, seed: study.plan.seed)
          .checks
      }
      if let growth = study.growth, !growth.expectations.isEmpty {
        let runs = try GrowthRuns.run(study, growth, study.plan, label: "growing \(study.name)")
        found += growth.expectations.map { $0.check(runs) }
      }
      if let ensemble = study.ensemble, !ensemble.expectations.isEmpty {
        found += try EnsembleCommand.checks(study, ensemble)
      }
      found += try Self.balanceChecks(study)
      reports.append((study.name, found))
      if !found.allSatisfy(\.holds) { failed.append(study.name) }
    }
    if !reports.isEmpty {
      if !checks.isEmpty { print() }
      print(Self.saeTable(reports), terminator: "")
    }
    if !skipped.isEmpty {
      print("skipped (no train block or expect list): \(skipped.joined(separator: ", "))")
    }
    let total = checks.count + reports.count
    if !failed.isEmpty {
      throw FieldError(
        field: "validate", value: "",
        reason: "\(failed.count) of \(total) cases failed: \(failed.joined(separator: ", "))"
      )
    }
  }

  /// One line per expectation of each SAE case: the value found, the bounds, the verdict.
  static func saeTable(_ reports: [(name: String, checks: [SAEReport.Check])]) -> String {
    let header = ["case", "quantity", "value", "expected", "verdict"]
    var rows: [[String]] = [header]
    for r in reports {
      for (i, c) in r.checks.enumerated() {
        rows.append([
          i == 0 ? r.name : "", c.quantity, String(format: "%.4f", c.value),
          c.bounds, c.holds ? "pass" : "FAIL",
        ])
      }
    }
    let widths = header.indices.map { i in rows.map { $0[i].count }.max()! }
    return rows.map { row in
      let line = row.enumerated().map { i, cell in pad(cell, widths[i] + 2) }.joined()
      return String(line.reversed().drop { $0 == " " }.reversed()) + "\n"
    }.joined()
  }

  static func table(_ checks: [(Case, TrainingCheck)]) -> String {
    let header = ["case", "loss", "analytic t", "trained t", "difference", "tolerance", "verdict"]
    var rows: [[String]] = [header]
    for (c, check) in checks {
      rows.append([
        c.name, check.plan.loss.rawValue,
        fixed(check.target.minimum.t), fixed(check.result.t), fixed(check.difference),
        "\(check.tolerance)", check.passed ? "pass" : "FAIL",
      ])
    }
    let widths = header.indices.map { i in rows.map { $0[i].count }.max()! }
    var out = ""
    for row in rows {
      out +=
        row.enumerated().map { i, cell in pad(cell, widths[i] + 2) }.joined().trimmingCharacters(
          in: .whitespaces) + "\n"
    }
    out += "\n"
    for (c, check) in checks {
      out += "\(c.name): analytic t is the \(check.target.reason)"
      if let b = check.result.decoderBias {
        out +=
          "; trained decoder bias "
          + zip(c.features, b).map { "\($0) \(fixed($1))" }.joined(separator: ", ")
      }
      out += ".\n"
      if let expectation = check.plan.expectation { out += "  expect: \(expectation)\n" }
    }
    return out
  }

  /// t to 6 decimals, minus zero shown as 0.
  static func fixed(_ x: Double) -> String {
    let s = String(format: "%.6f", x)
    return s == "-0.000000" ? "0.000000" : s
  }
}
