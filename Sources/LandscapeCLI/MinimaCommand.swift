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
      the analytic derivative. With a bias, each minimum reports the decoder bias used \
      there (with --bias optimal, the minimiser of that loss at that latent). The \
      off-path optimum starts from the top eigenvector of E[x x^T] (of the covariance with \
      the optimal or centered bias), which is proven optimal with the optimal bias and no \
      penalty; otherwise it is the best of local searches on the sphere from it and from \
      every on-path minimum.
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
  /// The decoder bias at each minimum (nil without a bias).
  let mseBias: [[Double]]?
  let l2Bias: [[Double]]?
  let sphere: SphereOptimum?

  init(_ c: Case) {
    let landscape = LossLandscape(c)
    source = c
    mse = landscape.minima(.mse)
    l2 = landscape.minima(.l2)
    let hasBias = c.bias != .none
    mseBias = hasBias ? mse.map { landscape.bias(.mse, at: $0.t) } : nil
    l2Bias = hasBias ? l2.map { landscape.bias(.l2, at: $0.t) } : nil
    sphere = c.sphereOptimum(startingFrom: mse.map { c.path.latent(at: $0.t) })
  }

  func json() -> String {
    func vector(_ v: [Double]) -> String {
      "{" + zip(source.features, v).map { "\(jsonString($0)): \(jsonNumber($1 + 0))" }
        .joined(separator: ", ") + "}"
    }
    func list(_ ms: [Minimum], _ biases: [[Double]]?) -> String {
      "["
        + ms.indices.map { i in
          let m = ms[i]
          let bias = biases.map { ", \"bias\": \(vector($0[i]))" } ?? ""
          return
            "{\"t\": \(jsonNumber(m.t)), \"loss\": \(jsonNumber(m.loss)), \"global\": \(m.isGlobal), \"kind\": \"\(m.kind.rawValue)\"\(bias)}"
        }
        .joined(separator: ", ") + "]"
    }
    var out = "{\"case\": \(jsonString(source.name)),\n"
    out += " \"bias\": \"\(source.bias.kind.rawValue)\",\n"
    out += " \"mse\": {\"minima\": \(list(mse, mseBias))},\n"
    out += " \"l2\": {\"minima\": \(list(l2, l2Bias))}"
    if let sphere {
      let bias = source.bias == .none ? "" : ", \"bias\": \(vector(sphere.bias))"
      out +=
        ",\n \"sphere\": {\"latent\": \(vector(sphere.latent)), \"loss\": \(jsonNumber(sphere.loss)), \"clips\": \(sphere.clipsPattern), \"proven_optimal\": \(sphere.isProvenOptimal)\(bias)}"
    }
    return out + "}\n"
  }

  func table() -> String {
    var out = "\(source.name): \(source.title)\n"
    func vector(_ v: [Double]) -> String {
      zip(source.features, v).map { "\($0) \($1 + 0)" }.joined(separator: ", ")
    }
    out += "loss  kind         t                   loss                 global"
    out += mseBias == nil ? "\n" : "  decoder bias\n"
    for (name, ms, biases) in [("MSE", mse, mseBias), ("L2", l2, l2Bias)] {
      for (i, m) in ms.enumerated() {
        out +=
          pad(name, 6) + pad(m.kind.rawValue, 13) + pad("\(m.t)", 20) + pad("\(m.loss)", 21)
          + pad(m.isGlobal ? "yes" : "", 7) + (biases.map { "(" + vector($0[i]) + ")" } ?? "")
        out = String(out.reversed().drop(while: { $0 == " " }).reversed()) + "\n"
      }
    }
    if let sphere {
      out += "off-path MSE optimum: (\(vector(sphere.latent))), loss \(sphere.loss)"
      if source.bias != .none { out += ", decoder bias (\(vector(sphere.bias)))" }
      out += sphere.isProvenOptimal ? "\n" : " (best of local searches on the sphere)\n"
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
