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
    let report = MinimaReport(c)
    print(json ? try ReportJSON.string(report) : report.table(), terminator: json ? "\n" : "")
  }
}

/// The minima table: the report as text.
extension MinimaReport {
  /// A vector in feature coordinates as text.
  func vectorText(_ v: [Double]) -> String {
    zip(source.features, v).map { "\($0) \(number($1))" }.joined(separator: ", ")
  }

  func table() -> String {
    var out = "\(source.name): \(source.title)\n"
    out += modelText()
    out += "loss  kind         t                    loss                  global  "
    out += "latent (\(source.features.joined(separator: ", ")))  cos_parent  hedging"
    out += source.bias == .none ? "\n" : "  decoder bias\n"
    for (name, entries) in [("MSE", mse), ("L2", l2)] {
      for e in entries {
        let m = e.minimum
        out +=
          pad(name, 6) + pad(m.kind.rawValue, 13) + pad(number(m.t), 21)
          + pad(number(m.loss), 22) + pad(m.isGlobal ? "yes" : "", 8)
          + "(\(e.latent.map(number).joined(separator: ", ")))  \(number(e.cosParent))  "
          + (e.hedging.map(number) ?? "none")
          + (e.bias.map { "  (" + vectorText($0) + ")" } ?? "") + "\n"
      }
    }
    if let sphere {
      out += "off-path MSE optimum: (\(vectorText(sphere.latent))), loss \(number(sphere.loss))"
      if source.bias != .none { out += ", decoder bias (\(vectorText(sphere.bias)))" }
      out += sphere.isProvenOptimal ? "\n" : " (best of local searches on the sphere)\n"
    }
    return out
  }

  /// The model's parameters as text lines: each pattern with its magnitudes, the path,
  /// the bias and the penalty.
  func modelText() -> String {
    func vector(_ v: [Double]) -> String {
      zip(source.features, v).filter { $0.1 != 0 }.map { "\($0) \(number($1))" }
        .joined(separator: " + ")
    }
    var out = source.patterns.map {
      "  \($0.name) = \(number($0.probability)): \(vector($0.magnitudes))\n"
    }.joined()
    out += "  path: from \(vector(source.path.from)) to \(vector(source.path.to)), "
    out += "t in [\(number(source.path.tMin)), \(number(source.path.tMax))]\n"
    out += "  bias: \(source.bias.describe(features: source.features) ?? "none"), penalty: \(number(source.penalty.coefficient)) E[h^"
    out += "\(number(source.penalty.exponent))]\n"
    return out
  }
}

/// A number as text: the shortest round-trip decimal, 0 for negative zero.
func number(_ x: Double) -> String { x == 0 ? "0.0" : "\(x)" }

func pad(_ s: String, _ n: Int) -> String {
  s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count)
}
