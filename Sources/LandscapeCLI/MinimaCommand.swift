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

  /// A vector in feature coordinates as a JSON object.
  func vectorJSON(_ v: [Double]) -> String {
    "{" + zip(source.features, v).map { "\(jsonString($0)): \(jsonNumber($1 + 0))" }
      .joined(separator: ", ") + "}"
  }

  /// A vector in feature coordinates as text.
  func vectorText(_ v: [Double]) -> String {
    zip(source.features, v).map { "\($0) \(number($1))" }.joined(separator: ", ")
  }

  func json() -> String {
    func list(_ ms: [Minimum], _ biases: [[Double]]?) -> String {
      "["
        + ms.indices.map { i in
          let m = ms[i]
          let bias = biases.map { ", \"bias\": \(vectorJSON($0[i]))" } ?? ""
          return
            "{\"t\": \(jsonNumber(m.t)), \"loss\": \(jsonNumber(m.loss)), \"global\": \(m.isGlobal), \"kind\": \"\(m.kind.rawValue)\", \(hedgingJSON(at: m.t))\(bias)}"
        }
        .joined(separator: ", ") + "]"
    }
    var out = "{\"case\": \(jsonString(source.name)),\n"
    out += " \"model\": \(modelJSON()),\n"
    out += " \"mse\": {\"minima\": \(list(mse, mseBias))},\n"
    out += " \"l2\": {\"minima\": \(list(l2, l2Bias))}"
    if let sphere {
      let bias = source.bias == .none ? "" : ", \"bias\": \(vectorJSON(sphere.bias))"
      out +=
        ",\n \"sphere\": {\"latent\": \(vectorJSON(sphere.latent)), \"loss\": \(jsonNumber(sphere.loss)), \"clips\": \(sphere.clipsPattern), \"proven_optimal\": \(sphere.isProvenOptimal)\(bias)}"
    }
    return out + "}\n"
  }

  func table() -> String {
    var out = "\(source.name): \(source.title)\n"
    out += modelText()
    out += "loss  kind         t                    loss                  global  "
    out += "latent (\(source.features.joined(separator: ", ")))  cos_parent  hedging"
    out += mseBias == nil ? "\n" : "  decoder bias\n"
    for (name, ms, biases) in [("MSE", mse, mseBias), ("L2", l2, l2Bias)] {
      for (i, m) in ms.enumerated() {
        let h = MinimumLatent(source.path, t: m.t)
        out +=
          pad(name, 6) + pad(m.kind.rawValue, 13) + pad(number(m.t), 21)
          + pad(number(m.loss), 22) + pad(m.isGlobal ? "yes" : "", 8)
          + "(\(h.latent.map(number).joined(separator: ", ")))  \(number(h.cosParent))  "
          + (h.hedging.map(number) ?? "none")
          + (biases.map { "  (" + vectorText($0[i]) + ")" } ?? "") + "\n"
      }
    }
    if let sphere {
      out += "off-path MSE optimum: (\(vectorText(sphere.latent))), loss \(number(sphere.loss))"
      if source.bias != .none { out += ", decoder bias (\(vectorText(sphere.bias)))" }
      out += sphere.isProvenOptimal ? "\n" : " (best of local searches on the sphere)\n"
    }
    return out
  }
}

extension MinimaReport {
  /// The model's parameters in one JSON object: every pattern (probability and
  /// magnitudes), the path, the decoder bias and the penalty.
  func modelJSON() -> String {
    func vector(_ v: [Double]) -> String {
      "{" + zip(source.features, v).map { "\(jsonString($0)): \(jsonNumber($1))" }
        .joined(separator: ", ") + "}"
    }
    let patterns = source.patterns.map {
      "{\"name\": \(jsonString($0.name)), \"probability\": \(jsonNumber($0.probability)), \"fires\": \(vector($0.magnitudes))}"
    }
    let biasJSON: String
    if case .fixed(let b) = source.bias {
      biasJSON = vector(b)
    } else {
      biasJSON = jsonString(source.bias.kind.rawValue)
    }
    return "{\"patterns\": [\(patterns.joined(separator: ", "))], "
      + "\"path\": {\"from\": \(vector(source.path.from)), \"to\": \(vector(source.path.to)), "
      + "\"t\": [\(jsonNumber(source.path.tMin)), \(jsonNumber(source.path.tMax))]}, "
      + "\"bias\": \(biasJSON), "
      + "\"penalty\": {\"coefficient\": \(jsonNumber(source.penalty.coefficient)), "
      + "\"p\": \(jsonNumber(source.penalty.exponent))}}"
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

  /// The latent, cosine and hedging fields of one minimum's JSON.
  func hedgingJSON(at t: Double) -> String {
    let h = MinimumLatent(source.path, t: t)
    let latent = zip(source.features, h.latent).map { "\(jsonString($0)): \(jsonNumber($1))" }
    return "\"latent\": {\(latent.joined(separator: ", "))}, "
      + "\"cos_parent\": \(jsonNumber(h.cosParent)), "
      + "\"hedging\": \(h.hedging.map(jsonNumber) ?? "null")"
  }
}

/// The latent at a minimum t, in feature coordinates, and how much it hedges.
///
/// l(t) = w(t)/|w(t)| with w(t) = (1 - t) from + t to; cos_parent = l . from/|from|;
/// hedging = l_child / l_parent (the second feature's component over the first's), nil
/// when the parent component is 0 or there is one feature.
struct MinimumLatent {
  var latent: [Double]
  var cosParent: Double
  var hedging: Double?

  init(_ path: LatentPath, t: Double) {
    let w = zip(path.from, path.to).map { (1 - t) * $0 + t * $1 }
    let norm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
    latent = w.map { $0 / norm + 0 }
    let fromNorm = path.from.reduce(0) { $0 + $1 * $1 }.squareRoot()
    cosParent = zip(latent, path.from).reduce(0) { $0 + $1.0 * $1.1 } / fromNorm + 0
    hedging = latent.count >= 2 && latent[0] != 0 ? latent[1] / latent[0] + 0 : nil
  }
}

/// A number as text: the shortest round-trip decimal, 0 for negative zero.
func number(_ x: Double) -> String { x == 0 ? "0.0" : "\(x)" }

func pad(_ s: String, _ n: Int) -> String {
  s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count)
}

/// A JSON number: the shortest round-trip decimal; non-finite values as null.
func jsonNumber(_ x: Double) -> String { x.isFinite ? number(x) : "null" }

func jsonString(_ s: String) -> String {
  let data = try? JSONSerialization.data(withJSONObject: s, options: [.fragmentsAllowed])
  return data.flatMap { String(data: $0, encoding: .utf8) } ?? "\"\""
}
