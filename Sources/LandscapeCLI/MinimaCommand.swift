import ArgumentParser
import Foundation
import Landscape
import Reports

struct MinimaCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "minima",
    abstract: "Every local minimum of MSE and L2 on the path, and the off-path optimum.",
    discussion: """
      MSE minima without a penalty come from the closed-form quadratic of each relu \
      piece; L2 and penalised minima from cusps, breakpoints, ends and the roots of \
      the analytic derivative. With a bias, each minimum reports the decoder bias used \
      there (with --bias optimal, the minimiser of that loss at that latent). The \
      off-path optimum starts from the top eigenvector of E[x x^T] (of the covariance with \
      the optimal or centered bias), which is proven optimal with the optimal bias and no \
      penalty; otherwise it is the best of local searches on the sphere from it and from \
      every on-path minimum.

      Examples:
        landscape minima --p0 0.3 --p01 0.1
        landscape minima --p-parent 0.4 --p-child-if-parent 0.25
        landscape minima cases/anti-correlated-bias.json --json
      """)

  @OptionGroup var source: CaseOptions

  @Flag(help: "Print JSON (the contract other tools read) instead of a table.")
  var json = false

  func run() throws {
    let c = try source.resolve()
    let report = try MinimaReport(c)
    print(json ? try ReportJSON.string(report) : report.text, terminator: json ? "\n" : "")
  }
}
