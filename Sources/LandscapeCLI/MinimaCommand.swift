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

      Each minimum lists its kind (stationary, breakpoint, cusp: the latent parallel to a \
      pattern, boundary: an end of the t range, or cusp at end: both), the latent l(t) \
      in feature coordinates, cos_parent = cos(l, the path's start) and the hedging ratio \
      l_2 / l_1, the latent's second component over its first (child over parent on the \
      hierarchy; JSON key hedging): how far the latent has turned toward the child. It is \
      not the hedging mass of an SAE's latent (train, grow), a sum of squared cosines.

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
