import ArgumentParser
import Foundation
import Landscape

struct MinimaCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "minima",
    abstract: "Every local minimum of MSE and L2 on the path, and the off-path optimum.",
    discussion: """
      MSE minima without a penalty come from the closed-form quadratic of each relu \
      piece; L2 and penalised minima from cusps, breakpoints, ends and the roots of \
      the analytic derivative. The off-path optimum is the top eigenvector of E[x x^T] \
      (or of the covariance, with the optimal bias).
      """)

  @OptionGroup var source: CaseOptions

  @Flag(help: "Print JSON (the contract other tools read) instead of a table.")
  var json = false

  func run() throws {
    let c = try source.resolve()
    let report = MinimaReport(c)
    print(json ? report.json() : report.table(), terminator: "")
  }
}

/// The minima of a case, as the `minima` command prints them.
struct MinimaReport {
  let source: Case
  let mse: [Minimum]
  let l2: [Minimum]
  let sphere: SphereOptimum?

  init(_ c: Case) {
    let landscape = LossLandscape(c)
    source = c
    mse = landscape.minima(.mse)
    l2 = landscape.minima(.l2)
    sphere = c.sphereOptimum()
  }

  func json() -> String {
    func list(_ ms: [Minimum]) -> String {
      "["
        + ms.map {
          "{\"t\": \(jsonNumber($0.t)), \"loss\": \(jsonNumber($0.loss)), \"global\": \($0.isGlobal), \"kind\": \"\($0.kind.rawValue)\"}"
        }
        .joined(separator: ", ") + "]"
    }
    var out = "{\"case\": \(jsonString(source.name)),\n"
    out += " \"mse\": {\"minima\": \(list(mse))},\n"
    out += " \"l2\": {\"minima\": \(list(l2))}"
    if let sphere {
      let latent = zip(source.features, sphere.latent).map {
        "\(jsonString($0)): \(jsonNumber($1))"
      }.joined(separator: ", ")
      out +=
        ",\n \"sphere\": {\"latent\": {\(latent)}, \"loss\": \(jsonNumber(sphere.loss)), \"clips\": \(sphere.clipsPattern)}"
    }
    return out + "}\n"
  }

  func table() -> String {
    var out = "\(source.name): \(source.title)\n"
    out += "loss  kind         t                   loss                 global\n"
    for (name, ms) in [("MSE", mse), ("L2", l2)] {
      for m in ms {
        out +=
          pad(name, 6) + pad(m.kind.rawValue, 13) + pad("\(m.t)", 20) + pad("\(m.loss)", 21)
          + (m.isGlobal ? "yes" : "") + "\n"
      }
    }
    if let sphere {
      let latent = zip(source.features, sphere.latent).map { "\($0) \($1)" }.joined(separator: ", ")
      out += "off-path MSE optimum: (\(latent)), loss \(sphere.loss)"
      out +=
        sphere.clipsPattern ? " (the relu clips a pattern there: not guaranteed optimal)\n" : "\n"
    }
    return out
  }
}

func pad(_ s: String, _ n: Int) -> String {
  s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count)
}

/// A JSON number: the shortest round-trip decimal; non-finite values as null.
func jsonNumber(_ x: Double) -> String { x.isFinite ? "\(x)" : "null" }

func jsonString(_ s: String) -> String {
  let data = try? JSONSerialization.data(withJSONObject: s, options: [.fragmentsAllowed])
  return data.flatMap { String(data: $0, encoding: .utf8) } ?? "\"\""
}
