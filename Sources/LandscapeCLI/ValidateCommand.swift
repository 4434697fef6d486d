import ArgumentParser
import CaseFiles
import Foundation
import Landscape
import Training

struct ValidateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "validate",
    abstract:
      "Train each case as its train block says; compare the trained t with the analytic minimum.",
    discussion: """
      The analytic minimum is the one the same loss should reach: for MSE the global \
      MSE minimum; for L2 the L2 minimum whose basin holds the initial t; for snap the \
      L2 minimum whose basin holds the global MSE minimum. With learned biases the \
      analytic case has the optimal decoder bias. A case passes when |trained t - \
      analytic t| is within its tolerance; the command fails when any case fails. \
      Without arguments, every *.json in --cases that has a train block.

      Examples:
        landscape validate cases/train-mse-hedges.json
        landscape validate --cases cases
      """)

  @Argument(help: "Case files with a train block (default: every *.json in --cases that has one).")
  var caseFiles: [String] = []

  @Option(help: "The folder searched when no case file is given.")
  var cases = "cases"

  func run() throws {
    var sources: [Case] = []
    var skipped: [String] = []
    if caseFiles.isEmpty {
      for file in try LandscapeCLI.caseFiles(in: cases) {
        let c = try Case.load(contentsOf: file)
        if c.training == nil { skipped.append(c.name) } else { sources.append(c) }
      }
      if sources.isEmpty {
        throw CaseError(
          field: "--cases", value: cases, reason: "holds no case file with a train block")
      }
    } else {
      for file in caseFiles {
        let c = try Case.load(contentsOf: file)
        if c.training == nil {
          throw CaseError(
            field: "\(file): train", value: "",
            reason: "is required to validate (the case has no train block)")
        }
        sources.append(c)
      }
    }

    var checks: [(Case, TrainingCheck)] = []
    for c in sources {
      let bar = ProgressBar(total: c.training?.steps ?? 1, label: "training \(c.name)")
      let check = try TrainingCheck(c, progress: bar.map { bar in { bar.update($0.step) } })
      bar?.finish()
      checks.append((c, check))
    }
    print(Self.table(checks), terminator: "")
    if !skipped.isEmpty { print("skipped (no train block): \(skipped.joined(separator: ", "))") }
    let failed = checks.filter { !$0.1.passed }.map(\.0.name)
    if !failed.isEmpty {
      throw CaseError(
        field: "validate", value: "",
        reason: "\(failed.count) of \(checks.count) cases failed: \(failed.joined(separator: ", "))"
      )
    }
  }

  static func table(_ checks: [(Case, TrainingCheck)]) -> String {
    let header = ["case", "loss", "analytic t", "trained t", "difference", "tolerance", "verdict"]
    var rows: [[String]] = [header]
    for (c, check) in checks {
      rows.append([
        c.name, c.training!.loss.rawValue,
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
      if let expectation = c.training?.expectation { out += "  expect: \(expectation)\n" }
    }
    return out
  }

  /// t to 6 decimals, minus zero shown as 0.
  static func fixed(_ x: Double) -> String {
    let s = String(format: "%.6f", x)
    return s == "-0.000000" ? "0.000000" : s
  }
}
